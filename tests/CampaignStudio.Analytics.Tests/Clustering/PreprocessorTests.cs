using System.Text.Json;
using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

public class PreprocessorTests
{
    [Fact]
    public void LogTransformsMoneyAndCountsButNotDays()
    {
        var data = FeatureMatrix.FromRows(
            [CustomerFeatures.RecencyDays, CustomerFeatures.Monetary],
            [[10, 0], [20, 9], [30, 99]]);

        var p = Preprocessor.Fit(data).Parameters;

        p.Transforms.ShouldBe([FeatureTransform.None, FeatureTransform.Log1p]);
        p.Means[0].ShouldBe(20, 1e-9);
        p.Scales[0].ShouldBe(Math.Sqrt(200.0 / 3), 1e-9); // population standard deviation
        p.Means[1].ShouldBe((0 + Math.Log(10) + Math.Log(100)) / 3, 1e-9);
    }

    [Fact]
    public void StandardizedColumnsHaveMeanZeroAndUnitVariance()
    {
        var (data, _) = new BlobsTestBuilder().WithClusters(3).WithPointsPerCluster(200).Build();
        var z = Preprocessor.Fit(data).Transform(data);

        for (var j = 0; j < z.ColumnCount; j++)
        {
            var column = Enumerable.Range(0, z.RowCount).Select(i => (double)z[i, j]).ToArray();
            var mean = column.Average();
            mean.ShouldBe(0, 1e-5);
            column.Average(v => (v - mean) * (v - mean)).ShouldBe(1, 1e-4);
        }
    }

    [Fact]
    public void ConstantFeatureStandardizesToZeroInsteadOfDividingByZero()
    {
        var data = FeatureMatrix.FromRows(["a", "b"], [[5, 1], [5, 2], [5, 3]]);
        var pre = Preprocessor.Fit(data);

        pre.Parameters.Scales[0].ShouldBe(1);
        Enumerable.Range(0, 3).Select(i => pre.Transform(data)[i, 0]).ShouldAllBe(v => v == 0);
    }

    [Fact]
    public void MissingValuesAreIgnoredWhenFittingAndBecomeTheMean()
    {
        var data = FeatureMatrix.FromRows(["a"], [[1], [float.NaN], [3]]);
        var pre = Preprocessor.Fit(data);

        pre.Parameters.Means[0].ShouldBe(2);
        pre.Transform(data)[1, 0].ShouldBe(0);
    }

    [Fact]
    public void NegativeSpendCountsAsZeroBeforeTheLog() =>
        Preprocessor.Apply(FeatureTransform.Log1p, -20).ShouldBe(0);

    [Fact]
    public void StoredParametersTransformNewCustomersLikeTheTrainingOnes()
    {
        var training = FeatureMatrix.FromRows(
            [CustomerFeatures.Frequency, CustomerFeatures.TenureDays],
            [[1, 100], [3, 400], [12, 900], [2, 50]]);
        var fitted = Preprocessor.Fit(training);
        var json = JsonSerializer.Serialize(fitted.Parameters);
        var restored = new Preprocessor(JsonSerializer.Deserialize<PreprocessorParameters>(json)!);

        // New customers arrive with columns in another order and an extra one: matched by key.
        var newCustomers = FeatureMatrix.FromRows(
            ["other", CustomerFeatures.TenureDays, CustomerFeatures.Frequency],
            [[7, 400, 3], [8, 10, 2]]);
        var z = restored.Transform(newCustomers);

        json.ShouldContain("\"Log1p\"");
        z.FeatureKeys.ShouldBe([CustomerFeatures.Frequency, CustomerFeatures.TenureDays]);
        z[0, 0].ShouldBe(fitted.Transform(training)[1, 0]); // 3 orders, as training row 1
        z[0, 1].ShouldBe(fitted.Transform(training)[1, 1]); // 400 days, as training row 1
    }

    [Fact]
    public void MissingFeatureIsReported()
    {
        var pre = Preprocessor.Fit(FeatureMatrix.FromRows(["a", "b"], [[1, 2], [3, 4]]));
        Should.Throw<ArgumentException>(() => pre.Transform(FeatureMatrix.FromRows(["a"], [[1]])))
            .Message.ShouldContain("'b'");
    }
}
