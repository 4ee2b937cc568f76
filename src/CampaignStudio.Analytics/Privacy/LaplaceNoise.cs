using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Privacy;

/// <summary>
/// The Laplace mechanism of differential privacy for counts: adding Laplace(0, Δ/ε) noise to a count whose value one
/// customer can change by at most Δ (1 for "how many customers") makes the released number ε-differentially private.
/// Smaller ε = more privacy = more noise.
/// </summary>
public sealed class LaplaceNoise
{
    private readonly Laplace _distribution;

    /// <param name="epsilon">The privacy budget ε (&gt; 0) spent on each released count.</param>
    /// <param name="random">The random source (seeded in tests; a cryptographic one is not needed for the noise's scale).</param>
    /// <param name="sensitivity">Δ: how much one customer can change a count.</param>
    public LaplaceNoise(double epsilon, Random random, double sensitivity = 1)
    {
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be a positive number.");
        }

        Epsilon = epsilon;
        Scale = sensitivity / epsilon;
        _distribution = new Laplace(0, Scale, random);
    }

    public double Epsilon { get; }

    /// <summary>b = Δ/ε: the noise's scale; its standard deviation is b·√2.</summary>
    public double Scale { get; }

    /// <summary>The count plus noise, rounded to a whole number and never below zero (post-processing keeps the guarantee).</summary>
    public long Apply(long count) => Math.Max(0, (long)Math.Round(count + _distribution.Sample()));

    /// <summary>One raw noise draw (for tests of the scale).</summary>
    public double Sample() => _distribution.Sample();
}
