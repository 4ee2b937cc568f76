using System.Globalization;
using CampaignStudio.Analytics.Bandits;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Experiments;

/// <summary>One logged round of an adaptive experiment.</summary>
/// <param name="Number">0 for the first round.</param>
/// <param name="TookEffectAt">When its weights took effect (and its customers were assigned).</param>
/// <param name="Weights">Arm name → share of the round's customers.</param>
/// <param name="Customers">Customers assigned in the round.</param>
public sealed record RoundDetail(int Number, DateTime TookEffectAt, IReadOnlyDictionary<string, double> Weights, int Customers);

/// <summary>What asking for the next round did.</summary>
/// <param name="Sent">The round sent; null when none was due.</param>
/// <param name="Message">What happened, in words.</param>
public sealed record RoundOutcome(RoundDetail? Sent, string Message);

/// <summary>
/// The round step of adaptive experiments (decision 042): the audience is split at random into rounds; the first keep equal
/// weights, and before each later one <see cref="ThompsonAllocator"/> moves the weights towards the arms doing best on the
/// primary metric so far (revenue: on value), never below the floor per arm and never more often than the interval. Each
/// weight set is logged with the time it took effect, each assignment records its arm's weight as its propensity, and the
/// round's customers are mailed on the experiment's campaign through the launch's recipient path. Lives with the send
/// pipeline so that the studio's "Send next round" and the round worker run the same step.
/// </summary>
public sealed class AdaptiveRounds(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, CampaignLauncher launcher)
{
    /// <summary>
    /// Sends the next round if it is due: new weights from the outcomes recorded so far, logged, the round's customers
    /// assigned with them and their messages queued on the experiment's campaign, all in one transaction. Nothing changes
    /// before the interval has passed since the last round. No role check: the studio's service checks, the worker is trusted.
    /// </summary>
    public async Task<RoundOutcome> NextAsync(int experimentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new ArgumentException("Unknown experiment.");
        if (experiment.Allocation != Allocation.Adaptive)
        {
            throw new ArgumentException("This experiment has fixed weights: it is sent at once, not in rounds.");
        }

        if (experiment.Status != ExperimentStatus.Running)
        {
            throw new ArgumentException("Only a running experiment sends rounds.");
        }

        var arms = Arms(experiment);
        var names = arms.ToDictionary(v => v.Id, v => v.Name);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rounds = await db.AllocationRounds.Where(r => r.ExperimentId == experimentId).OrderBy(r => r.Number).ToListAsync(ct);
        if (rounds.Count == 0)
        {
            // Started by a campaign launch, which assigns the first round without logging it: log it now, as it was.
            var first = await LogFirstRoundAsync(db, experiment, experiment.StartedAt ?? clock.GetUtcNow().UtcDateTime, ct);
            first.Customers = await db.Assignments.CountAsync(a => a.ExperimentId == experimentId, ct);
            rounds.Add(first);
        }

        if (rounds.Count >= experiment.AllocationRounds)
        {
            return new RoundOutcome(null, $"All {experiment.AllocationRounds} rounds are sent.");
        }

        var log = rounds.Select(r =>
        {
            var weights = AllocationWeights.Read(r.WeightsJson);
            return new AllocationBatch(r.Number, Utc(r.TookEffectAt), [.. arms.Select(a => weights.GetValueOrDefault(a.Id))]);
        }).ToList();
        var allocator = ThompsonAllocator.Resume(arms.Count, Options(experiment), clock, log);
        var changed = experiment.PrimaryMetric == PrimaryMetric.RevenuePerCustomer
            ? allocator.Update(await ValuesAsync(db, experiment, arms, ct))
            : allocator.Update(await TalliesAsync(db, experiment, arms, ct));
        if (!changed)
        {
            var next = rounds[^1].TookEffectAt + experiment.RoundInterval;
            return new RoundOutcome(null, $"The next round is not due before {next.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC: weights change at most every {experiment.RoundInterval.TotalHours:0.#} hours.");
        }

        var batch = allocator.Log[^1];
        var now = batch.From.UtcDateTime;
        var round = new AllocationRound
        {
            ExperimentId = experimentId, Number = batch.Index, TookEffectAt = now,
            WeightsJson = AllocationWeights.Write(arms.Select((a, i) => (a.Id, batch.Weights[i])).ToDictionary(x => x.Id, x => x.Item2)),
        };
        db.AllocationRounds.Add(round);
        await db.SaveChangesAsync(ct);

        // Customers of this round (and of earlier ones who joined the audience since) are assigned with the new weights.
        await ExperimentAssignments.AssignAsync(db, experimentId, await AudienceAsync(db, experiment, clock, ct), now, ct);
        round.Customers = await CountRoundAsync(db, round, ct);
        await db.SaveChangesAsync(ct);
        var queued = await launcher.QueueNextRoundAsync(db, experimentId, now, ct);
        await tx.CommitAsync(ct);
        var detail = Detail(round, names);
        return new RoundOutcome(detail, $"Round {round.Number + 1} of {experiment.AllocationRounds} sent to {round.Customers:N0} customers: " +
            string.Join(", ", detail.Weights.Select(w => $"{w.Key} {w.Value.ToString("P1", CultureInfo.InvariantCulture)}")) + "."
            + (queued > 0 ? $" {queued:N0} e-mails queued on the experiment's campaign." : ""));
    }

    /// <summary>Logs the first round (equal weights) at <paramref name="at"/>; the caller assigns its customers and saves.</summary>
    public static async Task<AllocationRound> LogFirstRoundAsync(AppDbContext db, Experiment experiment, DateTime at, CancellationToken ct)
    {
        // Read here: the caller's experiment may have been loaded without its arms.
        var arms = await db.Variants.AsNoTracking().Where(v => v.ExperimentId == experiment.Id && !v.IsHoldout).ToListAsync(ct);
        if (arms.Count < 2)
        {
            throw new ArgumentException("An adaptive experiment needs at least two arms.");
        }

        var round = new AllocationRound
        {
            ExperimentId = experiment.Id, Number = 0, TookEffectAt = at,
            WeightsJson = AllocationWeights.Write(arms.ToDictionary(a => a.Id, _ => 1.0 / arms.Count)),
        };
        db.AllocationRounds.Add(round);
        await db.SaveChangesAsync(ct);
        return round;
    }

    /// <summary>Customers assigned in a round: those assigned at the moment its weights took effect.</summary>
    public static async Task<int> CountRoundAsync(AppDbContext db, AllocationRound round, CancellationToken ct)
    {
        round.Customers = await db.Assignments.CountAsync(a => a.ExperimentId == round.ExperimentId && a.AssignedAt == round.TookEffectAt, ct);
        return round.Customers;
    }

    /// <summary>The arms the weights are over, in assignment order (an adaptive design has no long-term holdout).</summary>
    public static List<Variant> Arms(Experiment experiment) =>
        [.. experiment.Variants.Where(v => !v.IsHoldout).OrderBy(v => v.SortOrder).ThenBy(v => v.Id)];

    private static ThompsonOptions Options(Experiment experiment) => new(
        experiment.RoundInterval,
        BurnInUpdates: Math.Max(0, experiment.BurnInRounds - 1),
        FloorPerArm: experiment.FloorPerArm,
        Seed: (int)(VariantPicker.Unit(experiment.AssignmentSalt, 0) * int.MaxValue));

    /// <summary>Customers and successes per arm so far; an unmeasured customer counts as no success, as in the analysis.</summary>
    internal static async Task<ArmTally[]> TalliesAsync(AppDbContext db, Experiment experiment, List<Variant> arms, CancellationToken ct)
    {
        var rows = db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experiment.Id);
        var metric = experiment.PrimaryMetric;
        var counts = await rows.GroupBy(a => a.VariantId).Select(g => new
        {
            VariantId = g.Key,
            N = g.LongCount(),
            Successes = metric == PrimaryMetric.Click ? g.LongCount(a => a.Clicked == true)
                : metric == PrimaryMetric.Visit ? g.LongCount(a => a.Visited == true)
                : g.LongCount(a => a.Converted == true),
        }).ToDictionaryAsync(x => x.VariantId, ct);
        return [.. arms.Select(a => counts.TryGetValue(a.Id, out var c) ? new ArmTally(c.N, c.Successes) : new ArmTally(0, 0))];
    }

    /// <summary>Revenue per customer per arm so far (mean and variance), for the value posterior.</summary>
    internal static async Task<MeanSummary[]> ValuesAsync(AppDbContext db, Experiment experiment, List<Variant> arms, CancellationToken ct)
    {
        var values = (await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experiment.Id).Select(a => new { a.VariantId, a.Revenue }).ToListAsync(ct))
            .ToLookup(a => a.VariantId, a => (double)(a.Revenue ?? 0m));
        return [.. arms.Select(a =>
        {
            var v = values[a.Id].ToArray();
            return v.Length >= 2 ? MeanSummary.FromValues(v) : throw new ArgumentException($"Arm '{a.Name}' has fewer than two customers: the weights cannot be worked out on revenue yet.");
        })];
    }

    private static async Task<List<long>> AudienceAsync(AppDbContext db, Experiment experiment, TimeProvider clock, CancellationToken ct)
    {
        if (experiment.AudienceSegmentId is not { } segmentId)
        {
            throw new ArgumentException("The experiment has no audience segment to send rounds to.");
        }

        try
        {
            return await (await SegmentMembership.MembersAsync(db, segmentId, clock, ct)).Mailable().Select(c => c.Id).ToListAsync(ct);
        }
        catch (SegmentRuleException ex)
        {
            throw new ArgumentException(ex.Message, ex);
        }
    }

    public static RoundDetail Detail(AllocationRound round, IReadOnlyDictionary<int, string> names) =>
        new(round.Number, round.TookEffectAt, AllocationWeights.Read(round.WeightsJson).Where(w => names.ContainsKey(w.Key)).ToDictionary(w => names[w.Key], w => w.Value), round.Customers);

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
