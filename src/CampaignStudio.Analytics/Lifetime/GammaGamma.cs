using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CampaignStudio.Analytics.Lifetime;

/// <summary>
/// Fitted Gamma-Gamma spend parameters: each purchase's amount is Gamma(p, ν) around a customer's own mean, and the
/// customers' ν are Gamma(q, γ). The population's average purchase is pγ/(q − 1).
/// </summary>
public sealed record GammaGammaParameters(double P, double Q, double Gamma)
{
    /// <summary>The maximised log-likelihood (NaN when the parameters were not fitted).</summary>
    public double LogLikelihood { get; init; } = double.NaN;

    /// <summary>The average purchase of a customer we know nothing about: pγ/(q − 1); infinite when q ≤ 1.</summary>
    public double PopulationMeanSpend => Q > 1 ? P * Gamma / (Q - 1) : double.PositiveInfinity;
}

/// <summary>
/// The Gamma-Gamma model of spend per purchase (Fader, Hardie &amp; Lee 2005, "RFM and CLV"; Colombo &amp; Jiang 1999):
/// fitted on repeat buyers' average repeat spend, it shrinks each customer's own average toward the population's,
/// more so when they bought only a few times.
/// </summary>
public static class GammaGamma
{
    /// <summary>
    /// Fits p, q, γ by maximum likelihood (Nelder–Mead on their logarithms) on the customers with at least one repeat
    /// purchase and a positive average spend; everyone else carries no spend information and is skipped.
    /// </summary>
    /// <exception cref="ArgumentException">No customer with repeat purchases and positive spend.</exception>
    public static GammaGammaParameters Fit(IReadOnlyList<RepeatHistory> histories)
    {
        var x = new List<double>();
        var lnM = new List<double>();
        var m = new List<double>();
        foreach (var h in histories)
        {
            if (h.Frequency > 0 && h.AverageSpend > 0)
            {
                x.Add(h.Frequency);
                m.Add(h.AverageSpend);
                lnM.Add(Math.Log(h.AverageSpend));
            }
        }

        if (x.Count == 0)
        {
            throw new ArgumentException("No repeat buyer with a positive average spend to fit on.", nameof(histories));
        }

        var data = new Data([.. x], [.. m], [.. lnM]);
        var objective = ObjectiveFunction.Value(p => -data.LogLikelihood(Math.Exp(p[0]), Math.Exp(p[1]), Math.Exp(p[2])));

        // Start with γ at the scale of the spend so the fit does not depend on the currency.
        var guess = Vector<double>.Build.DenseOfArray([0, 0, Math.Log(m.Average())]);
        (guess, var best) = LogParameterFit.Minimise(objective, guess);

        return new GammaGammaParameters(Math.Exp(guess[0]), Math.Exp(guess[1]), Math.Exp(guess[2])) { LogLikelihood = -best };
    }

    /// <summary>
    /// E[M | x, m_x]: the average purchase to expect from this customer, a weighted mean of their own average and the
    /// population's. Without repeat purchases (or spend) it is the population's.
    /// </summary>
    public static double ExpectedAverageSpend(GammaGammaParameters p, RepeatHistory h)
    {
        if (h.Frequency == 0 || h.AverageSpend <= 0)
        {
            return p.PopulationMeanSpend;
        }

        return p.P * (p.Gamma + h.Frequency * h.AverageSpend) / (p.P * h.Frequency + p.Q - 1);
    }

    private sealed class Data(double[] x, double[] m, double[] lnM)
    {
        private const int Chunks = 64;

        // Frequencies are few distinct small numbers: the Gamma functions are computed once per distinct x.
        private readonly int[] _distinct = [.. x.Select(v => (int)v).Distinct().Order()];
        private readonly int[] _index = IndexOf(x);

        public double LogLikelihood(double p, double q, double gamma)
        {
            var perX = new double[_distinct.Length];
            var lnGammaQ = SpecialFunctions.GammaLn(q);
            var qLnGamma = q * Math.Log(gamma);
            for (var k = 0; k < perX.Length; k++)
            {
                var px = p * _distinct[k];
                perX[k] = SpecialFunctions.GammaLn(px + q) - SpecialFunctions.GammaLn(px) - lnGammaQ + qLnGamma + px * Math.Log(_distinct[k]);
            }

            var n = x.Length;
            var partial = new double[Chunks];
            Parallel.For(0, Chunks, chunk =>
            {
                double sum = 0;
                for (var i = chunk * n / Chunks; i < (chunk + 1) * n / Chunks; i++)
                {
                    var px = p * x[i];
                    sum += perX[_index[i]] + (px - 1) * lnM[i] - (px + q) * Math.Log(x[i] * m[i] + gamma);
                }

                partial[chunk] = sum;
            });

            var total = partial.Sum();
            return double.IsFinite(total) ? total : double.NegativeInfinity;
        }

        private static int[] IndexOf(double[] x)
        {
            var distinct = x.Select(v => (int)v).Distinct().Order().Select((v, i) => (v, i)).ToDictionary(t => t.v, t => t.i);
            return [.. x.Select(v => distinct[(int)v])];
        }
    }
}
