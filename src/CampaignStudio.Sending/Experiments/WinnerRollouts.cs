using System.Globalization;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Experiments;

/// <summary>What deciding a winner rollout did.</summary>
/// <param name="Winner">The arm the rest received.</param>
/// <param name="ByStatistics">True when the arm won; false when the fallback went out.</param>
/// <param name="Queued">Message rows queued for the rest (Suppressed ones for who may not be mailed included).</param>
/// <param name="Decision">The sentence the pages show.</param>
public sealed record RolloutDecided(string Winner, bool ByStatistics, int Queued, string Decision);

/// <summary>
/// The end of a winner rollout's wait (decision 048): reads the test on the experiment's primary metric, picks the winner by
/// the studio's statistics (<see cref="WinnerChoice"/>) or the fallback, and releases the rest to the send pipeline on the
/// test's campaign — in one transaction that first claims the decision, so it happens once however many instances ask.
/// </summary>
public sealed class WinnerRollouts(IDbContextFactory<AppDbContext> dbFactory, CampaignLauncher launcher, TimeProvider clock)
{
    /// <summary>Running rollout experiments whose wait is over and that are not decided yet.</summary>
    public async Task<List<int>> DueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var waiting = await db.Experiments.AsNoTracking()
            .Where(e => e.RolloutTestShare != null && e.RolloutDecidedAt == null && e.Status == ExperimentStatus.Running && e.StartedAt != null)
            .Select(e => new { e.Id, e.StartedAt, e.RolloutWait }).ToListAsync(ct);
        return [.. waiting.Where(e => e.StartedAt!.Value + e.RolloutWait <= now).Select(e => e.Id)];
    }

    /// <summary>When the rest of a rollout is released: the launch of its test plus the wait.</summary>
    public static DateTime? DueAt(Experiment experiment) =>
        experiment.RolloutTestShare is null || experiment.StartedAt is not { } started ? null : started + experiment.RolloutWait;

    /// <summary>
    /// Decides and releases the rest when the wait is over; null when it is not due, or already decided (by this or another
    /// instance). No role check: the worker is trusted, and the studio only reads the decision.
    /// </summary>
    public async Task<RolloutDecided?> DecideAsync(int experimentId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // The claim is the first write: it takes the lock, and a second instance's claim finds the decision made.
        var claimed = await db.Experiments
            .Where(e => e.Id == experimentId && e.RolloutTestShare != null && e.RolloutDecidedAt == null && e.Status == ExperimentStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.RolloutDecidedAt, now), ct);
        if (claimed == 0)
        {
            return null;
        }

        var experiment = await db.Experiments.Include(e => e.Variants).SingleAsync(e => e.Id == experimentId, ct);
        if (DueAt(experiment) is not { } due || due > now)
        {
            await tx.RollbackAsync(ct);
            return null;
        }

        var arms = AdaptiveRounds.Arms(experiment);
        var fallback = arms.FirstOrDefault(a => a.Name == experiment.RolloutFallbackArm) ?? arms.First(a => a.IsControl);
        var decision = await ChooseAsync(db, experiment, arms, fallback, ct);
        var winner = arms.First(a => a.Name == decision.Arm);
        var (queued, keptOut) = await launcher.QueueRolloutAsync(db, experiment, winner, now, ct);

        var sentence = decision.Reason
            + (winner.EmailTemplateId is null ? $" “{winner.Name}” sends no e-mail, so nobody else is mailed." : $" {queued.ToString("N0", CultureInfo.InvariantCulture)} more customers queued.")
            + (keptOut > 0 ? $" {keptOut.ToString("N0", CultureInfo.InvariantCulture)} stay out as the long-term holdout." : "");
        experiment.RolloutWinnerVariantId = winner.Id;
        experiment.RolloutDecision = sentence.Length > Domain.Limits.Description ? sentence[..Domain.Limits.Description] : sentence;
        await db.SaveChangesAsync(ct);

        // Nothing more to send and the test's campaign already finished: it is finished now, and the shop is told.
        if (queued == 0 && await db.Campaigns.Where(c => c.ExperimentId == experimentId && c.Status == CampaignStatus.Completed).Select(c => (int?)c.Id).FirstOrDefaultAsync(ct) is { } finished)
        {
            await MessageLedger.QueueFinishedWebhookAsync(db, finished, now, ct);
        }

        await tx.CommitAsync(ct);
        return new RolloutDecided(winner.Name, decision.ByStatistics, queued, experiment.RolloutDecision);
    }

    /// <summary>The test's analysis on the primary metric at the rollout's confidence, and the choice from it.</summary>
    private static async Task<WinnerDecision> ChooseAsync(AppDbContext db, Experiment experiment, List<Variant> arms, Variant fallback, CancellationToken ct)
    {
        var options = new AnalysisOptions(Alpha: 1 - experiment.RolloutConfidence, UseCuped: false);
        if (experiment.PrimaryMetric == PrimaryMetric.RevenuePerCustomer)
        {
            try
            {
                var values = await AdaptiveRounds.ValuesAsync(db, experiment, arms, ct);
                return WinnerChoice.Choose(ExperimentAnalyzer.AnalyzeMeans([.. arms.Select((a, i) => ArmData.ForSummary(a.Name, values[i], isControl: a.IsControl))], options), fallback.Name);
            }
            catch (ArgumentException)
            {
                return TooFew(fallback);
            }
        }

        var tallies = await AdaptiveRounds.TalliesAsync(db, experiment, arms, ct);
        if (tallies.Any(t => t.Customers < 2))
        {
            return TooFew(fallback);
        }

        return WinnerChoice.Choose(ExperimentAnalyzer.AnalyzeRates([.. arms.Select((a, i) => ArmData.ForRate(a.Name, tallies[i].Customers, tallies[i].Conversions, a.IsControl))], options), fallback.Name);
    }

    private static WinnerDecision TooFew(Variant fallback) =>
        new(fallback.Name, false, $"No winner: an arm of the test has fewer than two customers, so nothing can be compared and the rest receive “{fallback.Name}”.");
}
