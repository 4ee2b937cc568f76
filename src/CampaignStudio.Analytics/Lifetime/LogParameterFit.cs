using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CampaignStudio.Analytics.Lifetime;

/// <summary>
/// Maximum likelihood on the logarithms of positive parameters with Nelder–Mead, restarted from its own optimum (with a
/// smaller simplex) until the value stops improving: one restart often escapes the long flat valleys these likelihoods have.
/// </summary>
internal static class LogParameterFit
{
    /// <summary>Minimises <paramref name="objective"/> (a negative log-likelihood) from <paramref name="guess"/>; returns the point and value.</summary>
    public static (Vector<double> Point, double Value) Minimise(IObjectiveFunction objective, Vector<double> guess)
    {
        var best = double.PositiveInfinity;
        for (var round = 0; round < 6; round++)
        {
            var step = Vector<double>.Build.Dense(guess.Count, round == 0 ? 1.0 : 0.1);
            var result = new NelderMeadSimplex(1e-13, 20_000).FindMinimum(objective, guess, step);
            guess = result.MinimizingPoint;
            var value = result.FunctionInfoAtMinimum.Value;
            if (best - value < 1e-9 * Math.Abs(value))
            {
                return (guess, Math.Min(best, value));
            }

            best = value;
        }

        return (guess, best);
    }
}
