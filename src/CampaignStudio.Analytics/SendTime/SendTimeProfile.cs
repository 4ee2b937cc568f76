namespace CampaignStudio.Analytics.SendTime;

/// <summary>
/// When a customer engages with e-mail, as a probability for each of the 168 hours of the week (UTC, Monday 00:00 = 0):
/// their own opens and clicks, smoothed toward everyone's (empirical Bayes). With a thin history the population's habits
/// dominate; with a long one, the customer's own.
/// </summary>
public sealed class SendTimeProfile
{
    /// <summary>Hours in a week.</summary>
    public const int HoursPerWeek = 168;

    private readonly double[] _probabilities;

    private SendTimeProfile(double[] probabilities, int events)
    {
        _probabilities = probabilities;
        Events = events;
    }

    /// <summary>How many of the customer's own opens and clicks went into the profile.</summary>
    public int Events { get; }

    /// <summary>Engagement probability per hour of the week; sums to 1.</summary>
    public IReadOnlyList<double> Probabilities => _probabilities;

    /// <summary>The hour of the week (0–167) with the highest engagement probability (the earliest on a tie).</summary>
    public int BestHourOfWeek
    {
        get
        {
            var best = 0;
            for (var h = 1; h < HoursPerWeek; h++)
            {
                if (_probabilities[h] > _probabilities[best])
                {
                    best = h;
                }
            }

            return best;
        }
    }

    /// <summary>Monday 00:00 UTC = 0 … Sunday 23:00 UTC = 167.</summary>
    public static int HourOfWeek(DateTime utc) => ((int)utc.DayOfWeek + 6) % 7 * 24 + utc.Hour;

    /// <summary>
    /// The population's distribution: every customer's engagements pooled, plus half an event in every hour so no hour
    /// is impossible.
    /// </summary>
    public static double[] Population(IReadOnlyList<int> hourCounts)
    {
        if (hourCounts.Count != HoursPerWeek)
        {
            throw new ArgumentException($"Need {HoursPerWeek} hour counts.", nameof(hourCounts));
        }

        var total = hourCounts.Sum(c => (double)c) + HoursPerWeek * 0.5;
        return [.. hourCounts.Select(c => (c + 0.5) / total)];
    }

    /// <summary>
    /// The posterior mean under a Dirichlet prior centred on the population with <paramref name="priorStrength"/> pseudo-events:
    /// θ_h = (n_h + κ·p_h) / (n + κ).
    /// </summary>
    /// <param name="engagedAt">The customer's opens and clicks (UTC).</param>
    /// <param name="population">From <see cref="Population"/>.</param>
    /// <param name="priorStrength">κ: how many of their own events it takes to count as much as everyone's habits.</param>
    public static SendTimeProfile For(IEnumerable<DateTime> engagedAt, IReadOnlyList<double> population, double priorStrength = 10)
    {
        var counts = new double[HoursPerWeek];
        var n = 0;
        foreach (var at in engagedAt)
        {
            counts[HourOfWeek(at)]++;
            n++;
        }

        var probabilities = new double[HoursPerWeek];
        for (var h = 0; h < HoursPerWeek; h++)
        {
            probabilities[h] = (counts[h] + priorStrength * population[h]) / (n + priorStrength);
        }

        return new SendTimeProfile(probabilities, n);
    }

    /// <summary>
    /// When to deliver within the next <paramref name="window"/> (24 hours by default): the start of the window's hour with
    /// the highest engagement probability, or <paramref name="now"/> itself when that is the current hour.
    /// </summary>
    public DateTime NextBestSendTime(DateTime now, TimeSpan? window = null)
    {
        var hours = (int)Math.Ceiling((window ?? TimeSpan.FromHours(24)).TotalHours);
        var currentHour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var best = currentHour;
        var bestP = double.NegativeInfinity;
        for (var k = 0; k < hours; k++)
        {
            var start = currentHour.AddHours(k);
            var p = _probabilities[HourOfWeek(start)];
            if (p > bestP)
            {
                bestP = p;
                best = start;
            }
        }

        return best < now ? now : best;
    }
}
