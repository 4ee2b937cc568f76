using CampaignStudio.Analytics.Lifetime;

namespace CampaignStudio.Analytics.Tests.Lifetime;

/// <summary>
/// Gamma-Gamma and the full-log pipeline on CDNOW (calibration to 1997-09-30, holdout to 1998-06-30). Reference values
/// from reference/lifetime_reference.py with scipy on the same file: 9,450 repeat buyers with positive spend give
/// p = 6.2754, q = 3.6244, γ = 14.9837 (the paper's 1/10 sample gave 6.25, 3.74, 15.44).
/// </summary>
public class GammaGammaTests
{
    private static readonly Lazy<List<CustomerHistory>> _histories =
        new(() => PurchaseHistories.Build(CdnowData.Master, CdnowData.CalibrationEnd, CdnowData.HoldoutEnd));

    private static IReadOnlyList<RepeatHistory> InWeeks =>
        [.. _histories.Value.Select(c => c.History with { Recency = c.History.Recency / 7, Age = c.History.Age / 7 })];

    [Fact]
    public void FitsCdnowRepeatSpendAsScipyDoes()
    {
        var p = GammaGamma.Fit(InWeeks);

        p.P.ShouldBe(6.275359991905428, 1e-3);
        p.Q.ShouldBe(3.6244499596222295, 1e-3);
        p.Gamma.ShouldBe(14.98368427213527, 1e-2);
        p.LogLikelihood.ShouldBe(-40763.47626139073, 1e-3);
        p.PopulationMeanSpend.ShouldBe(35.82770266507002, 1e-2);
    }

    [Theory]
    [InlineData(1, 20.0, 24.66740456779366)]
    [InlineData(3, 35.5, 35.540094079200074)]
    [InlineData(10, 12.0, 12.956507779190115)]
    public void ShrinksAverageSpendTowardThePopulation(int x, double m, double expected)
    {
        var p = new GammaGammaParameters(6.275359991905428, 3.6244499596222295, 14.98368427213527);

        GammaGamma.ExpectedAverageSpend(p, new RepeatHistory(x, 1, 2, m)).ShouldBe(expected, 1e-9);
    }

    [Fact]
    public void BuildsTheFullLogHistoriesAsTheReferenceDoes()
    {
        var h = _histories.Value;

        h.Count.ShouldBe(23570);
        h.Sum(c => c.History.Frequency).ShouldBe(24337);
        h.Sum(c => c.HoldoutPurchases).ShouldBe(19684);
    }

    [Fact]
    public void FullLogFitPredictsTheHoldoutByFrequencyAsScipyDoes()
    {
        var weeks = _histories.Value.Select(c => c with { History = c.History with { Recency = c.History.Recency / 7, Age = c.History.Age / 7 } }).ToList();
        var p = BgNbd.Fit([.. weeks.Select(c => c.History)]);

        p.R.ShouldBe(0.2516239694636479, 1e-3);
        p.Alpha.ShouldBe(4.788943306856857, 1e-2);
        p.A.ShouldBe(0.7234335509667617, 1e-3);
        p.B.ShouldBe(2.1610885754954667, 1e-2);
        p.LogLikelihood.ShouldBe(-95368.44393316076, 1e-3);

        var buckets = HoldoutCheck.ByFrequency(p, weeks, 39);
        buckets.Select(b => b.Customers).ShouldBe([14119, 4442, 2064, 1084, 605, 348, 908]);
        buckets[1].Actual.ShouldBe(0.7841062584421432, 1e-12);
        buckets[1].Predicted.ShouldBe(0.5198026943969166, 1e-3);
        buckets[6].Actual.ShouldBe(5.755506607929515, 1e-12);
        buckets[6].Predicted.ShouldBe(5.589080754944532, 1e-3);
    }
}
