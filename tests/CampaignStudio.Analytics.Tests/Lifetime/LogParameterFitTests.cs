using CampaignStudio.Analytics.Lifetime;

namespace CampaignStudio.Analytics.Tests.Lifetime;

/// <summary>Fits whose optimum lies at the edge of the parameter space (a flat valley to infinity) end with finite parameters.</summary>
public sealed class LogParameterFitTests
{
    [Fact]
    public void EveryoneBuyingOnAFixedRhythmAndNobodyDroppingOutFitsWithoutRunningOutOfIterations()
    {
        // Homogeneous customers: all repeat every 4 weeks and all are still buying. The likelihood keeps improving as the
        // gamma shape r and the dropout a, b grow without bound; the fit used to throw "Maximum iterations reached".
        var histories = Enumerable.Range(0, 400)
            .Select(i => { var age = 20.0 + (i % 40); var x = (int)(age / 4); return new RepeatHistory(x, x * 4.0, age); })
            .ToList();

        var fit = BgNbd.Fit(histories);

        new[] { fit.R, fit.Alpha, fit.A, fit.B }.ShouldAllBe(v => double.IsFinite(v) && v > 0);
        double.IsFinite(fit.LogLikelihood).ShouldBeTrue();
        BgNbd.ProbabilityAlive(fit, histories[0]).ShouldBeGreaterThan(0.9);
    }
}
