using System.Globalization;
using System.Text;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Experiments;

public sealed class ExperimentResultsFileTests
{
    private const string HillstromPath = "/work/shared/data/hillstrom.csv";

    private static readonly DateTime Now = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task HillstromImportsAsAFinishedExperimentWithTheSuggestedMapping()
    {
        ResultsPreview preview;
        await using (var file = File.OpenRead(HillstromPath))
        {
            preview = ExperimentResultsFile.Preview(file);
        }

        var m = preview.Suggested;
        (m.ArmColumn, m.ControlArm, m.ConversionColumn, m.RevenueColumn, m.VisitColumn, m.ClickColumn, m.PrePeriodColumn)
            .ShouldBe(("segment", "No E-Mail", "conversion", "spend", "visit", null, "history"));
        m.CovariateColumns.ShouldBe(["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel"]);
        preview.DataRows.ShouldBe(64_000);
        preview.ArmCounts.ShouldBe(new Dictionary<string, int> { ["Mens E-Mail"] = 21_307, ["No E-Mail"] = 21_306, ["Womens E-Mail"] = 21_387 });

        await using var test = await SqliteTestDatabase.CreateAsync();
        ParsedResults parsed;
        await using (var file = File.OpenRead(HillstromPath))
        {
            parsed = ExperimentResultsFile.Parse(file, m);
        }

        await using var db = await test.Factory.CreateDbContextAsync();
        var summary = await ExperimentResultsFile.CreateAsync(db, parsed, m, "Hillstrom", PrimaryMetric.Conversion, "marketer@demo.local", Now);

        summary.Rows.ShouldBe(64_000);
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).SingleAsync(e => e.Id == summary.ExperimentId);
        (experiment.Status, experiment.Source).ShouldBe((ExperimentStatus.Finished, ExperimentSource.Imported));
        experiment.Variants.OrderBy(v => v.SortOrder).Select(v => (v.Name, v.IsControl)).ShouldBe([("No E-Mail", true), ("Mens E-Mail", false), ("Womens E-Mail", false)]);
        var control = experiment.Variants.Single(v => v.IsControl).Id;
        (await db.Assignments.CountAsync(a => a.ExperimentId == experiment.Id)).ShouldBe(64_000);

        // Same totals as the file (control: 122 conversions of 21,306; Hillstrom's published figures).
        (await db.Assignments.CountAsync(a => a.VariantId == control && a.Converted == true)).ShouldBe(122);
        (await db.Assignments.CountAsync(a => a.ExperimentId == experiment.Id && a.Visited == true)).ShouldBe(9_394);
        var first = await db.Assignments.AsNoTracking().OrderBy(a => a.Id).FirstAsync(a => a.ExperimentId == experiment.Id);
        first.PrePeriodValue.ShouldBe(142.44);
        first.CovariatesJson.ShouldNotBeNull();
        first.CovariatesJson.ShouldContain("\"zip_code\":\"Surburban\"");
    }

    [Theory]
    [InlineData("arm,conversion\nA,1\nB,0\n", "segment", "A", "Column 'segment' (arm) is not in the file")]
    [InlineData("segment,conversion\nA,1\nB,0\n", "segment", "Control", "The control arm 'Control' does not occur in column 'segment'; the arms in the file are 'A', 'B'.")]
    [InlineData("segment,conversion\nA,1\nB,0\nA,yes please\n", "segment", "A", "Line 4, column 'conversion': 'yes please' is not 0/1")]
    [InlineData("segment,conversion,spend\nA,1,12.5\nB,0,twelve\n", "segment", "A", "Line 3, column 'spend': 'twelve' is not a number.")]
    [InlineData("segment,conversion\nA,1\nA,0\n", "segment", "A", "Column 'segment' has only one arm ('A')")]
    public async Task ABadFileNamesItsProblemAndCreatesNothing(string csv, string armColumn, string control, string expected)
    {
        var mapping = new ResultsMapping(armColumn, control, "conversion", csv.Contains("spend", StringComparison.Ordinal) ? "spend" : null, null, null, null, []);

        var error = Should.Throw<ResultsFileException>(() => ExperimentResultsFile.Parse(Stream(csv), mapping));

        error.Problems.ShouldContain(p => p.Contains(expected, StringComparison.Ordinal), string.Join(" | ", error.Problems));
    }

    [Fact]
    public async Task AFourArmFileWithAnIdColumnKeepsEveryArmAndEachRowsId()
    {
        var csv = new StringBuilder("customer_id,offer,age,converted,spend\n");
        string[] offers = ["No message", "Mail", "10 % off", "20 % off"];
        for (var i = 0; i < 40; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"C-{1000 + i},{offers[i % 4]},{20 + i},{i % 3 % 2},{(i % 3 == 1 ? "25.5" : "0")}\n");
        }

        var preview = ExperimentResultsFile.Preview(Stream(csv.ToString()));
        var mapping = preview.Suggested with { ControlArm = "No message" };
        (mapping.ArmColumn, mapping.IdColumn).ShouldBe(("offer", "customer_id"));
        mapping.CovariateColumns.ShouldBe(["age"]);

        await using var test = await SqliteTestDatabase.CreateAsync();
        await using var db = await test.Factory.CreateDbContextAsync();
        var summary = await ExperimentResultsFile.CreateAsync(db, ExperimentResultsFile.Parse(Stream(csv.ToString()), mapping), mapping, "Four offers", PrimaryMetric.RevenuePerCustomer,
            "marketer@demo.local", Now);

        summary.ArmCounts.Values.ShouldAllBe(n => n == 10);
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).SingleAsync(e => e.Id == summary.ExperimentId);
        experiment.Variants.OrderBy(v => v.SortOrder).Select(v => v.Name).ShouldBe(["No message", "10 % off", "20 % off", "Mail"]);
        experiment.Variants.Where(v => !v.IsControl).ShouldAllBe(v => v.SendsAMessage);
        experiment.Variants.Single(v => v.IsControl).SendsAMessage.ShouldBeFalse();
        var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == summary.ExperimentId).OrderBy(a => a.Id).Select(a => a.RowKey).ToListAsync();
        rows.ShouldBe(Enumerable.Range(0, 40).Select(i => (string?)$"C-{1000 + i}").ToList());
    }

    [Fact]
    public void DuplicateOrEmptyIdsAreRefusedNamingTheirLines()
    {
        var mapping = new ResultsMapping("segment", "A", "conversion", null, null, null, null, [], IdColumn: "id");

        var error = Should.Throw<ResultsFileException>(() => ExperimentResultsFile.Parse(Stream("id,segment,conversion\n7,A,1\n8,B,0\n7,B,1\n,A,0\n"), mapping));

        error.Problems.ShouldBe([
            "Lines 2 and 4, column 'id': the id '7' occurs twice; every row needs its own id.",
            "Line 5, column 'id': the id is empty; every row needs its own id.",
        ]);
    }

    [Fact]
    public void AnIdColumnTheMarketerNamesMustBeInTheFile()
    {
        var mapping = new ResultsMapping("segment", "A", "conversion", null, null, null, null, [], IdColumn: "client");

        var error = Should.Throw<ResultsFileException>(() => ExperimentResultsFile.Parse(Stream("segment,conversion\nA,1\nB,0\n"), mapping));

        error.Problems.ShouldContain(p => p.StartsWith("Column 'client' (id) is not in the file", StringComparison.Ordinal));
    }

    [Fact]
    public void AnArmTheMarketerExpectsButWithNoRowsIsNamed()
    {
        var mapping = new ResultsMapping("segment", "A", "conversion", null, null, null, null, [], Arms: ["A", "B", "C"]);

        var error = Should.Throw<ResultsFileException>(() => ExperimentResultsFile.Parse(Stream("segment,conversion\nA,1\nB,0\n"), mapping));

        error.Problems.ShouldBe(["The arm 'C' has no rows in column 'segment'."]);
    }

    [Fact]
    public async Task TheArmsWeightsAreThePlannedSplitEqualUnlessStatedNeverTheObservedCounts()
    {
        // 1 in A, 3 in B: with the observed counts as weights the sample-ratio check could never fail.
        const string Csv = "segment,conversion\nA,1\nB,0\nB,1\nB,0\n";
        await using var test = await SqliteTestDatabase.CreateAsync();
        async Task<double[]> WeightsAsync(ResultsMapping mapping)
        {
            await using var db = await test.Factory.CreateDbContextAsync();
            var summary = await ExperimentResultsFile.CreateAsync(db, ExperimentResultsFile.Parse(Stream(Csv), mapping), mapping, "Split", PrimaryMetric.Conversion, "t", Now);
            return await db.Variants.Where(v => v.ExperimentId == summary.ExperimentId).OrderBy(v => v.SortOrder).Select(v => v.Weight).ToArrayAsync();
        }

        var mapping = new ResultsMapping("segment", "A", "conversion", null, null, null, null, []);
        (await WeightsAsync(mapping)).ShouldBe([1.0, 1.0]);
        (await WeightsAsync(mapping with { PlannedSplit = ResultsMapping.ParsePlannedSplit(" A = 25, B=75 ") })).ShouldBe([25.0, 75.0]);
        ResultsMapping.ParsePlannedSplit("  ").ShouldBeNull();
    }

    [Theory]
    [InlineData("A=1, Z=1", "The planned split names the arm 'Z', which has no rows in column 'segment'; the arms are 'A', 'B'.")]
    [InlineData("A=1", "The planned split gives no share for the arm 'B'; give every arm in column 'segment' a share, or leave the split empty for equal shares.")]
    [InlineData("A=1, B=0", "The planned split's share for the arm 'B' must be a positive number ('0' is not).")]
    [InlineData("A=1, B=NaN", "The planned split's share for the arm 'B' must be a positive number ('NaN' is not).")]
    [InlineData("A=1, A=2, B=1", "The planned split names the arm 'A' twice.")]
    [InlineData("A=1; B=3", "The planned split names the arm 'A=1; B', which has no rows in column 'segment'; the arms are 'A', 'B'.")]
    [InlineData("A:1, B=1", "The planned split could not be read at 'A:1': write it as arm=share pairs separated by commas, e.g. 'Control=50, Mail=50'.")]
    public void APlannedSplitThatDoesNotFitTheFileSaysWhy(string split, string expected)
    {
        var error = Should.Throw<ResultsFileException>(() =>
            ExperimentResultsFile.Parse(Stream("segment,conversion\nA,1\nB,0\n"), new ResultsMapping("segment", "A", "conversion", null, null, null, null, [],
                PlannedSplit: ResultsMapping.ParsePlannedSplit(split))));

        error.Problems.ShouldContain(expected, string.Join(" | ", error.Problems));
    }

    [Fact]
    public async Task AFailureWhileWritingLeavesNoHalfCreatedExperiment()
    {
        await using var test = await SqliteTestDatabase.CreateAsync();
        var mapping = new ResultsMapping("segment", "A", "conversion", null, null, null, null, []);
        var parsed = ExperimentResultsFile.Parse(Stream("segment,conversion\nA,1\nB,0\n"), mapping);

        // An arm the file does not have cannot be mapped to a variant: the insert fails after the experiment row was written.
        var broken = parsed with { Rows = [.. parsed.Rows, new ResultRow("ghost", true, null, null, null, null, null)] };
        await using (var db = await test.Factory.CreateDbContextAsync())
        {
            await Should.ThrowAsync<KeyNotFoundException>(() => ExperimentResultsFile.CreateAsync(db, broken, mapping, "Broken", PrimaryMetric.Conversion, "t", Now));
        }

        await using var check = await test.Factory.CreateDbContextAsync();
        (await check.Experiments.CountAsync()).ShouldBe(0);
        (await check.Variants.CountAsync()).ShouldBe(0);
        (await check.Assignments.CountAsync()).ShouldBe(0);
    }

    private static MemoryStream Stream(string csv) => new(Encoding.UTF8.GetBytes(csv));
}
