namespace CampaignStudio.Analytics.Tests.Experiments;

/// <summary>Comparisons against reference values printed by the python scripts in reference/.</summary>
internal static class ReferenceAssert
{
    /// <summary>The agreement the issue asks for with scipy/statsmodels.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>Absolute agreement within 1e-6.</summary>
    public static void ShouldMatch(this double actual, double expected, double tolerance = Tolerance) =>
        actual.ShouldBe(expected, tolerance);

    /// <summary>Relative agreement within 1e-6, for p-values far below 1e-6 where an absolute check says nothing.</summary>
    public static void ShouldMatchRelatively(this double actual, double expected, double tolerance = Tolerance) =>
        (actual / expected).ShouldBe(1.0, tolerance, $"actual {actual:R}, expected {expected:R}");
}
