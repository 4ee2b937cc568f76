using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CampaignStudio.Analytics.Lifetime;

/// <summary>
/// Maximum likelihood on the logarithms of positive parameters with Nelder–Mead, restarted from its own optimum (with a
/// smaller simplex) until the value stops improving: one restart often escapes the long flat valleys these likelihoods have.
/// </summary>
internal static class LogParameterFit
{
    /// <summary>
    /// Beyond e^±25 a parameter only says "no heterogeneity" (e.g. BG/NBD's a, b → ∞ when everyone drops out alike); the
    /// likelihood is flat out there and the simplex would walk it forever. A steep wall keeps the search finite.
    /// </summary>
    private const double LogBound = 25;

    /// <summary>Minimises <paramref name="objective"/> (a negative log-likelihood) from <paramref name="guess"/>; returns the point and value.</summary>
    public static (Vector<double> Point, double Value) Minimise(IObjectiveFunction objective, Vector<double> guess)
    {
        // Remember the best point ever evaluated: a round that runs out of iterations throws without saying where it was.
        var bestSeen = (Point: guess, Value: double.PositiveInfinity);
        var bounded = ObjectiveFunction.Value(p =>
        {
            var outside = p.Sum(x => Math.Max(0, Math.Abs(x) - LogBound));
            objective.EvaluateAt(p);
            var value = objective.Value;
            value = double.IsFinite(value) ? value : double.MaxValue / 4;
            value += outside * 1e6 * (1 + Math.Abs(value));
            if (value < bestSeen.Value)
            {
                bestSeen = (p.Clone(), value);
            }

            return value;
        });

        var best = double.PositiveInfinity;
        for (var round = 0; round < 6; round++)
        {
            var step = Vector<double>.Build.Dense(guess.Count, round == 0 ? 1.0 : 0.1);
            double value;
            try
            {
                var result = new NelderMeadSimplex(1e-13, 20_000).FindMinimum(bounded, guess, step);
                guess = result.MinimizingPoint;
                value = result.FunctionInfoAtMinimum.Value;
            }
            catch (MaximumIterationsException)
            {
                // Still creeping along a flat valley: carry on (or stop) from the best point found so far.
                (guess, value) = bestSeen;
            }

            if (best - value < 1e-9 * Math.Abs(value))
            {
                return (guess, Math.Min(best, value));
            }

            best = value;
        }

        return (guess, best);
    }
}
