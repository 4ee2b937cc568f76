using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Bandits;

/// <summary>Customers and conversions of one arm so far.</summary>
/// <param name="Customers">Customers who got the arm.</param>
/// <param name="Conversions">Of those, customers who converted (the primary metric).</param>
public readonly record struct ArmTally(long Customers, long Conversions);

/// <summary>Settings of adaptive allocation.</summary>
/// <param name="UpdateInterval">Weights change no more often than this (a day, so a weekday effect cannot drive them).</param>
/// <param name="BurnInUpdates">Updates that keep equal weights first, so every arm has data before Thompson sampling steers.</param>
/// <param name="FloorPerArm">Smallest share any arm keeps (0.01), so no arm starves and its estimate stays possible.</param>
/// <param name="Draws">Posterior draws per update to estimate each arm's chance of being best.</param>
/// <param name="Seed">Seed of the posterior draws.</param>
public sealed record ThompsonOptions(TimeSpan UpdateInterval, int BurnInUpdates = 1, double FloorPerArm = 0.01, int Draws = 1_000, int Seed = 42);

/// <summary>The weights used from <paramref name="From"/> until the next update: logged, so the analysis can reweight.</summary>
/// <param name="Index">0-based batch number.</param>
/// <param name="From">When these weights took effect.</param>
/// <param name="Weights">Share of new customers per arm (sums to 1).</param>
public sealed record AllocationBatch(int Index, DateTimeOffset From, IReadOnlyList<double> Weights);

/// <summary>
/// Thompson sampling over arms on a conversion metric (Beta-Bernoulli, uniform prior) or on value (Normal): each arm's share of new customers is
/// its posterior chance of being the best arm, after an equal-weight burn-in and with a floor per arm. Weights change at
/// most once per stated interval (read through <see cref="TimeProvider"/>), and every set of weights is logged with the time
/// it took effect, since the final estimate weights each customer by the share their arm had when they were assigned
/// (see <see cref="AdaptiveEstimate"/>).
/// </summary>
public sealed class ThompsonAllocator
{
    private readonly ThompsonOptions _options;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly List<AllocationBatch> _log = [];
    private DateTimeOffset _lastUpdate;

    /// <summary>Starts with equal weights, logged as batch 0 at the current time.</summary>
    public ThompsonAllocator(int arms, ThompsonOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        if (arms < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(arms), "Allocation needs at least two arms.");
        }

        if (!(options.FloorPerArm >= 0 && options.FloorPerArm * arms < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The floors of all arms together must stay below 1.");
        }

        if (options.UpdateInterval <= TimeSpan.Zero || options.Draws < 1 || options.BurnInUpdates < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Interval and draws must be positive and the burn-in not negative.");
        }

        Arms = arms;
        _options = options;
        _clock = clock;
        _random = new Random(options.Seed);
        _lastUpdate = clock.GetUtcNow();
        _log.Add(new AllocationBatch(0, _lastUpdate, Enumerable.Repeat(1.0 / arms, arms).ToArray()));
    }

    /// <summary>
    /// Continues an allocation from its stored log (a studio keeps the log in its database between rounds): the interval
    /// counts from the last logged change and the burn-in from the number of logged weight sets. The draws are seeded with
    /// <see cref="ThompsonOptions.Seed"/> plus the log's length, so each round's draws differ and a repeat is reproducible.
    /// </summary>
    /// <param name="arms">Number of arms.</param>
    /// <param name="options">The same settings the allocation started with.</param>
    /// <param name="clock">The clock.</param>
    /// <param name="log">Every weight set used so far, oldest first (at least the first).</param>
    public static ThompsonAllocator Resume(int arms, ThompsonOptions options, TimeProvider clock, IReadOnlyList<AllocationBatch> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (log.Count == 0 || log.Any(b => b.Weights.Count != arms))
        {
            throw new ArgumentException("The log needs at least the first weight set, each with one weight per arm.", nameof(log));
        }

        var allocator = new ThompsonAllocator(arms, options with { Seed = options.Seed + log.Count }, clock);
        allocator._log.Clear();
        allocator._log.AddRange(log);
        allocator._lastUpdate = log[^1].From;
        return allocator;
    }

    /// <summary>Number of arms.</summary>
    public int Arms { get; }

    /// <summary>The weights in effect now.</summary>
    public IReadOnlyList<double> Weights => _log[^1].Weights;

    /// <summary>Every set of weights used, oldest first.</summary>
    public IReadOnlyList<AllocationBatch> Log => _log;

    /// <summary>
    /// New weights from the tallies so far, if the update interval has passed since the last change; otherwise nothing
    /// changes. Returns true when new weights took effect.
    /// </summary>
    public bool Update(IReadOnlyList<ArmTally> tallies)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        if (tallies.Count != Arms)
        {
            throw new ArgumentException("One tally per arm.", nameof(tallies));
        }

        return UpdateWith(() => ChanceOfBeingBest(tallies, _options.Draws, _random));
    }

    /// <summary>
    /// As <see cref="Update(IReadOnlyList{ArmTally})"/>, on value per customer (revenue or offer value) instead of
    /// conversions: Normal(mean, s²/n) posteriors (flat prior; every arm needs two customers, which the burn-in gives).
    /// </summary>
    public bool Update(IReadOnlyList<MeanSummary> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != Arms)
        {
            throw new ArgumentException("One summary per arm.", nameof(values));
        }

        return UpdateWith(() => ChanceOfBeingBest(values, _options.Draws, _random));
    }

    private bool UpdateWith(Func<double[]> chanceOfBeingBest)
    {
        var now = _clock.GetUtcNow();
        if (now - _lastUpdate < _options.UpdateInterval)
        {
            return false;
        }

        _lastUpdate = now;
        var weights = _log.Count <= _options.BurnInUpdates
            ? Enumerable.Repeat(1.0 / Arms, Arms).ToArray()
            : WithFloor(chanceOfBeingBest(), _options.FloorPerArm);
        _log.Add(new AllocationBatch(_log.Count, now, weights));
        return true;
    }

    /// <summary>Posterior chance that each arm has the highest conversion rate, by Monte Carlo over Beta(1 + x, 1 + n − x).</summary>
    public static double[] ChanceOfBeingBest(IReadOnlyList<ArmTally> tallies, int draws, Random random)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(random);
        var posteriors = tallies.Select(t => (IContinuousDistribution)new Beta(1 + t.Conversions, 1 + t.Customers - t.Conversions, random)).ToArray();
        return CountWins(posteriors, draws);
    }

    /// <summary>Posterior chance that each arm has the highest mean value, by Monte Carlo over Normal(mean, s²/n).</summary>
    public static double[] ChanceOfBeingBest(IReadOnlyList<MeanSummary> values, int draws, Random random)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(random);
        if (values.Any(v => v.N < 2))
        {
            throw new ArgumentException("Every arm needs at least two customers for a value posterior.", nameof(values));
        }

        // A zero variance (nobody bought yet) would make the posterior a point; a tiny floor keeps it a distribution.
        var posteriors = values.Select(v => (IContinuousDistribution)new Normal(v.Mean, Math.Max(v.StandardError, 1e-9), random)).ToArray();
        return CountWins(posteriors, draws);
    }

    private static double[] CountWins(IContinuousDistribution[] posteriors, int draws)
    {
        var wins = new double[posteriors.Length];
        for (var d = 0; d < draws; d++)
        {
            var best = 0;
            var bestDraw = double.MinValue;
            for (var a = 0; a < posteriors.Length; a++)
            {
                var draw = posteriors[a].Sample();
                if (draw > bestDraw)
                {
                    bestDraw = draw;
                    best = a;
                }
            }

            wins[best]++;
        }

        return wins.Select(w => w / draws).ToArray();
    }

    /// <summary>Every arm gets at least <paramref name="floor"/>; the rest is shared in proportion to <paramref name="weights"/>.</summary>
    public static double[] WithFloor(IReadOnlyList<double> weights, double floor)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var rest = 1 - floor * weights.Count;
        var sum = weights.Sum();
        return weights.Select(w => floor + rest * w / sum).ToArray();
    }
}
