using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CampaignStudio.Analytics.Lifetime;

/// <summary>
/// Fitted BG/NBD parameters: purchase rates are Gamma(r, α) across customers; after each purchase a customer drops
/// out with a probability that is Beta(a, b) across customers. α is in the time unit of the histories it was fitted on.
/// </summary>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B)
{
    /// <summary>The maximised log-likelihood (NaN when the parameters were not fitted).</summary>
    public double LogLikelihood { get; init; } = double.NaN;
}

/// <summary>
/// The beta-geometric/negative binomial model of repeat purchases ("BG/NBD", Fader, Hardie &amp; Lee 2005, "Counting
/// your customers the easy way"): maximum-likelihood fit, the probability that a customer is still active, and the
/// purchases to expect in a coming period.
/// </summary>
public static class BgNbd
{
    /// <summary>
    /// Fits by maximum likelihood: Nelder–Mead on the logarithms of the four parameters (so they stay positive),
    /// restarted from its own answer until the likelihood stops improving. Customers with the same history are
    /// counted once with a weight, which is what makes a million customers cheap.
    /// </summary>
    /// <exception cref="ArgumentException">No customers, or a history with negative times or recency after age.</exception>
    public static BgNbdParameters Fit(IReadOnlyList<RepeatHistory> histories)
    {
        var data = Grouped.From(histories);
        var meanAge = data.MeanAge;
        var objective = ObjectiveFunction.Value(p => -data.LogLikelihood(Math.Exp(p[0]), Math.Exp(p[1]), Math.Exp(p[2]), Math.Exp(p[3])));

        // Start at r = a = b = 1 and a rate scale of the order of the observation time (unit-free start).
        var guess = Vector<double>.Build.DenseOfArray([0, Math.Log(Math.Max(meanAge, 1e-3) / 8), 0, 0]);
        (guess, var best) = LogParameterFit.Minimise(objective, guess);

        return new BgNbdParameters(Math.Exp(guess[0]), Math.Exp(guess[1]), Math.Exp(guess[2]), Math.Exp(guess[3])) { LogLikelihood = -best };
    }

    /// <summary>The log-likelihood of the histories under the parameters (the objective the fit maximises).</summary>
    public static double LogLikelihood(BgNbdParameters p, IReadOnlyList<RepeatHistory> histories) =>
        Grouped.From(histories).LogLikelihood(p.R, p.Alpha, p.A, p.B);

    /// <summary>P(alive | x, t_x, T): the chance the customer has not dropped out. 1 for a customer without repeat purchases.</summary>
    public static double ProbabilityAlive(BgNbdParameters p, RepeatHistory h)
    {
        if (h.Frequency == 0)
        {
            return 1;
        }

        return 1 / (1 + DropOutOdds(p, h));
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T]: purchases to expect in the next <paramref name="t"/> time units (Fader, Hardie &amp; Lee 2005, eq. 10).
    /// </summary>
    public static double ExpectedPurchases(BgNbdParameters p, RepeatHistory h, double t)
    {
        if (t <= 0)
        {
            return 0;
        }

        var x = h.Frequency;
        var z = t / (p.Alpha + h.Age + t);

        // ((α+T)/(α+T+t))^(r+x) = (1−z)^(r+x) times ₂F₁(r+x, b+x; a+b+x−1; z), in logs: the series alone passes 1e300 for
        // heavy buyers, and when a and b run to the millions (everyone drops out alike) it converges fast but its
        // Euler-transformed twin would not.
        var c = p.A + p.B + x - 1;
        var series = Math.Exp(((p.R + x) * Math.Log(1 - z)) + Hypergeometric.LogGauss2F1(p.R + x, p.B + x, c, z));
        var numerator = c / (p.A - 1) * (1 - series);
        var denominator = x > 0 ? 1 + DropOutOdds(p, h) : 1;
        return numerator / denominator;
    }

    /// <summary>E[X(t)]: purchases a new customer makes in their first <paramref name="t"/> time units after the first purchase.</summary>
    public static double ExpectedPurchasesOfNewCustomer(BgNbdParameters p, double t) =>
        ExpectedPurchases(p, new RepeatHistory(0, 0, 0), t);

    // a/(b+x−1) · ((α+T)/(α+t_x))^(r+x), in logs so long histories do not overflow.
    private static double DropOutOdds(BgNbdParameters p, RepeatHistory h) =>
        Math.Exp(Math.Log(p.A / (p.B + h.Frequency - 1)) + (p.R + h.Frequency) * Math.Log((p.Alpha + h.Age) / (p.Alpha + h.Recency)));

    /// <summary>Distinct histories with their counts, and the per-frequency terms cached for each evaluation.</summary>
    private sealed class Grouped
    {
        private const int Chunks = 64;

        private readonly int[] _frequencyIndex;
        private readonly double[] _recency;
        private readonly double[] _age;
        private readonly double[] _weight;
        private readonly int[] _frequencies;

        private Grouped(int[] frequencyIndex, double[] recency, double[] age, double[] weight, int[] frequencies, double meanAge)
        {
            _frequencyIndex = frequencyIndex;
            _recency = recency;
            _age = age;
            _weight = weight;
            _frequencies = frequencies;
            MeanAge = meanAge;
        }

        public double MeanAge { get; }

        public static Grouped From(IReadOnlyList<RepeatHistory> histories)
        {
            if (histories.Count == 0)
            {
                throw new ArgumentException("No customers to fit.", nameof(histories));
            }

            var counts = new Dictionary<(int, double, double), int>();
            double ageSum = 0;
            foreach (var h in histories)
            {
                if (h.Frequency < 0 || h.Recency < 0 || h.Age < h.Recency || (h.Frequency == 0 && h.Recency != 0))
                {
                    throw new ArgumentException($"Not a valid history: {h}.", nameof(histories));
                }

                var key = (h.Frequency, h.Recency, h.Age);
                counts[key] = counts.GetValueOrDefault(key) + 1;
                ageSum += h.Age;
            }

            var frequencies = counts.Keys.Select(k => k.Item1).Distinct().Order().ToArray();
            var index = frequencies.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => p.i);
            var rows = counts.OrderBy(kv => kv.Key).ToArray();
            return new Grouped(
                [.. rows.Select(kv => index[kv.Key.Item1])],
                [.. rows.Select(kv => kv.Key.Item2)],
                [.. rows.Select(kv => kv.Key.Item3)],
                [.. rows.Select(kv => (double)kv.Value)],
                frequencies,
                ageSum / histories.Count);
        }

        public double LogLikelihood(double r, double alpha, double a, double b)
        {
            // Terms that depend only on the frequency: computed once per distinct x, not per customer.
            var k = _frequencies.Length;
            var constant = new double[k];
            var repeatOdds = new double[k];
            var lnAlpha = Math.Log(alpha);
            var lnBetaAB = SpecialFunctions.GammaLn(a + b) - SpecialFunctions.GammaLn(b);
            var lnGammaR = SpecialFunctions.GammaLn(r);
            for (var i = 0; i < k; i++)
            {
                var x = _frequencies[i];
                constant[i] = SpecialFunctions.GammaLn(r + x) - lnGammaR + r * lnAlpha
                    + lnBetaAB + SpecialFunctions.GammaLn(b + x) - SpecialFunctions.GammaLn(a + b + x);
                repeatOdds[i] = x > 0 ? Math.Log(a / (b + x - 1)) : double.NegativeInfinity;
            }

            // Fixed chunks summed in order: parallel, yet the same total every time.
            var n = _weight.Length;
            var partial = new double[Chunks];
            Parallel.For(0, Chunks, chunk =>
            {
                double sum = 0;
                for (var j = chunk * n / Chunks; j < (chunk + 1) * n / Chunks; j++)
                {
                    var i = _frequencyIndex[j];
                    var rx = r + _frequencies[i];
                    var stay = -rx * Math.Log(alpha + _age[j]);
                    double term;
                    if (_frequencies[i] == 0)
                    {
                        term = stay;
                    }
                    else
                    {
                        var left = repeatOdds[i] - rx * Math.Log(alpha + _recency[j]);
                        var max = Math.Max(stay, left);
                        term = max + Math.Log(Math.Exp(stay - max) + Math.Exp(left - max));
                    }

                    sum += _weight[j] * (constant[i] + term);
                }

                partial[chunk] = sum;
            });

            var total = partial.Sum();
            return double.IsFinite(total) ? total : double.NegativeInfinity;
        }
    }
}
