using CampaignStudio.Analytics.Lifetime;

namespace CampaignStudio.Analytics.Tests.Lifetime;

/// <summary>₂F₁ against scipy.special.hyp2f1 (reference/lifetime_reference.py).</summary>
public class HypergeometricTests
{
    [Theory]
    [InlineData(0.5, 1.5, 2.5, 0.3, 1.1080625510569324)]
    [InlineData(2.24, 4.43, 3.21, 0.5, 9.032664993309337)]
    [InlineData(1.2, -0.2, 30.5, 0.9, 0.9927296682484135)]
    [InlineData(10, 12, 8, 0.6, 618398.1895446773)]
    public void MatchesScipy(double a, double b, double c, double z, double expected)
    {
        Hypergeometric.Gauss2F1(a, b, c, z).ShouldBe(expected, Math.Abs(expected) * 1e-12);
    }

    [Theory]
    [InlineData(0.5, 1.5, 2.5, 0.3, 1.1080625510569324)]
    [InlineData(2.24, 4.43, 3.21, 0.5, 9.032664993309337)]
    [InlineData(10, 12, 8, 0.6, 618398.1895446773)]
    public void LogFormMatchesScipy(double a, double b, double c, double z, double expected)
    {
        Hypergeometric.LogGauss2F1(a, b, c, z).ShouldBe(Math.Log(expected), 1e-12);
    }

    [Fact]
    public void LogFormGoesBeyondDoubleRange()
    {
        // ₂F₁(a, b; b; z) = (1 − z)^(−a): here e^(2000·ln 2) ≈ 1e602.
        Hypergeometric.LogGauss2F1(2000, 3, 3, 0.5).ShouldBe(2000 * Math.Log(2), 1e-8);
    }

    [Fact]
    public void RefusesZOutsideTheSeriesRange()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, 1, 2, 1));
    }
}
