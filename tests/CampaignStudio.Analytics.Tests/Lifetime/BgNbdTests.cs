using CampaignStudio.Analytics.Lifetime;

namespace CampaignStudio.Analytics.Tests.Lifetime;

/// <summary>
/// BG/NBD against the published CDNOW fit (Fader, Hardie &amp; Lee 2005) and against scipy: the reference values come
/// from reference/lifetime_reference.py (output in reference/lifetime_reference.txt) on the same shared data files.
/// </summary>
public class BgNbdTests
{
    private static readonly Lazy<BgNbdParameters> _published = new(() => BgNbd.Fit(CdnowData.Summary));

    // scipy Nelder–Mead on the same likelihood: r, α, a, b.
    private static readonly BgNbdParameters _scipy = new(0.24259290497711014, 4.413531596954177, 0.7928861524222862, 2.425753726544981);

    [Fact]
    public void ReproducesThePublishedCdnowFit()
    {
        var p = _published.Value;

        CdnowData.Summary.Count.ShouldBe(2357);
        p.R.ShouldBe(0.243, 0.0005);
        p.Alpha.ShouldBe(4.414, 0.0005);
        p.A.ShouldBe(0.793, 0.0005);
        p.B.ShouldBe(2.426, 0.0005);
        p.LogLikelihood.ShouldBe(-9582.4, 0.05);
    }

    [Fact]
    public void LogLikelihoodAtScipysOptimumMatchesScipy()
    {
        BgNbd.LogLikelihood(_scipy, CdnowData.Summary).ShouldBe(-9582.42556056736, 1e-6);
    }

    [Theory]
    [InlineData(0, 0.0, 38.86, 1.0, 0.19478084683157887, 0.25166571233802526)]
    [InlineData(2, 30.43, 38.86, 0.7266091674714829, 1.2259104866585953, 1.558583840425803)]
    [InlineData(7, 35.0, 38.86, 0.8437868965722172, 4.387529201984607, 5.520662991792947)]
    [InlineData(1, 1.71, 38.86, 0.21222742963483837, 0.20325066620504825, 0.25990713361976003)]
    public void ScoresCustomersAsScipyDoes(int x, double tx, double T, double alive, double next39, double next52)
    {
        var h = new RepeatHistory(x, tx, T);

        BgNbd.ProbabilityAlive(_scipy, h).ShouldBe(alive, 1e-10);
        BgNbd.ExpectedPurchases(_scipy, h, 39).ShouldBe(next39, 1e-9);
        BgNbd.ExpectedPurchases(_scipy, h, 52).ShouldBe(next52, 1e-9);
    }

    [Fact]
    public void NewCustomersExpectationMatchesScipy()
    {
        BgNbd.ExpectedPurchasesOfNewCustomer(_scipy, 39).ShouldBe(1.1950163192197798, 1e-9);
        BgNbd.ExpectedPurchasesOfNewCustomer(_scipy, 78).ShouldBe(1.857971832087637, 1e-9);
    }

    [Fact]
    public void ARecentFrequentBuyerIsMoreLikelyAliveThanALapsedOne()
    {
        var recent = BgNbd.ProbabilityAlive(_scipy, new RepeatHistory(5, 37, 38.86));
        var lapsed = BgNbd.ProbabilityAlive(_scipy, new RepeatHistory(5, 10, 38.86));

        recent.ShouldBe(0.8655373614028428, 1e-10);
        lapsed.ShouldBe(0.024814991519281702, 1e-10);
    }

    [Fact]
    public void ExpectationStaysFiniteWhenEveryoneDropsOutAlike()
    {
        // a and b in the millions (a fit where dropout is homogeneous): the limit is a constant dropout chance a/(a+b).
        var huge = new BgNbdParameters(0.237, 25.1, 14567.7, 1291208.2);
        var limit = new BgNbdParameters(0.237, 25.1, 14567.7 * 10, 1291208.2 * 10);

        var e = BgNbd.ExpectedPurchases(huge, new RepeatHistory(3, 200, 300), 364);

        double.IsFinite(e).ShouldBeTrue();
        e.ShouldBe(BgNbd.ExpectedPurchases(limit, new RepeatHistory(3, 200, 300), 364), 1e-3);
    }

    [Fact]
    public void ExpectationStaysFiniteForVeryHeavyBuyers()
    {
        // The direct formula multiplies a ₂F₁ of ~1e137 by a power of ~1e-137; reference from mpmath.
        var e = BgNbd.ExpectedPurchases(_scipy, new RepeatHistory(400, 38, 38.86), 52);

        e.ShouldBe(48.434416524917914, 1e-8);
    }
}
