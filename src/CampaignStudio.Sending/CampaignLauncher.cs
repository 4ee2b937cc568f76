using CampaignStudio.Data;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Sending.Personalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Sending;

/// <summary>
/// Starts a due campaign: freezes the audience into a snapshot segment, assigns experiment arms and creates one message row
/// per recipient, all in one transaction. Customers who may not be mailed get a Suppressed row (so the review count and the
/// ledger agree); holdout and "no message" arms get no row at all: their assignment is the record. With "deliver at each
/// recipient's best hour" each row waits (NextAttemptAt) until that hour; the ledger's lease only takes due rows.
/// </summary>
public sealed class CampaignLauncher(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, BestSendTimes sendTimes, ILogger<CampaignLauncher> log)
{
    public const string SuppressedAtLaunch = "Not mailable at launch (no opt-in or no address).";

    /// <summary>Launches a Scheduled campaign; false when another worker took it first or it is no longer scheduled.</summary>
    public async Task<bool> LaunchAsync(int campaignId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // Claiming the row first takes the write lock: a second worker's claim finds the status changed and backs off.
        if (!await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.Launch, ct, s => s.SetProperty(c => c.LaunchedAt, now)))
        {
            return false;
        }

        var campaign = await db.Campaigns.FirstAsync(c => c.Id == campaignId, ct);

        // Sender health is reported per sending domain: the one this campaign goes out from.
        campaign.SendingDomain = Data.Settings.SenderIdentityStore.DomainOf(
            await db.Settings.AsNoTracking().Where(s => s.Key == Data.Settings.SenderIdentityStore.FromAddressKey).Select(s => s.Value).FirstOrDefaultAsync(ct));
        var source = campaign.SegmentId is { } segmentId ? await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == segmentId, ct) : null;
        if (source is null)
        {
            campaign.MoveTo(CampaignStatus.Draft);
            campaign.LaunchedAt = null;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            log.LogWarning("Campaign {CampaignId} has no audience segment any more; it went back to draft", campaignId);
            return false;
        }

        IQueryable<long> members;
        try
        {
            members = await SegmentMembership.MemberIdsAsync(db, source.Id, clock, ct);
        }
        catch (SegmentRuleException ex)
        {
            // The rule was fine at review and broke before the send time: back to draft, where the review shows why.
            campaign.MoveTo(CampaignStatus.Draft);
            campaign.LaunchedAt = null;
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            log.LogWarning("Campaign {CampaignId} went back to draft: {Problem}", campaignId, ex.Message);
            return false;
        }

        var audience = await members.OrderBy(id => id).ToListAsync(ct);

        var snapshot = new Segment
        {
            Name = Truncate($"{campaign.Name} — audience {now:yyyy-MM-dd HH:mm}", Domain.Limits.Title),
            Description = $"Members of “{source.Name}” when campaign “{campaign.Name}” launched ({now:yyyy-MM-dd HH:mm} UTC).",
            Kind = SegmentKind.Snapshot,
            SourceSegmentId = source.Id,
            MemberCount = audience.Count,
            CountedAt = now,
            CreatedBy = campaign.CreatedBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(snapshot);
        await db.SaveChangesAsync(ct);
        var connection = db.Database.GetDbConnection();
        var dbTx = tx.GetDbTransaction();
        await using (var insert = await BulkInserter.CreateAsync(connection, dbTx, "SegmentMembers", ["SegmentId", "CustomerId"], ct: ct))
        {
            foreach (var id in audience)
            {
                await insert.InsertAsync(ct, snapshot.Id, id);
            }
        }

        // The one consent filter, applied to the frozen audience in SQL.
        var mailable = (await db.Customers.Mailable()
                .Where(c => !c.IsErased && db.SegmentMembers.Any(m => m.SegmentId == snapshot.Id && m.CustomerId == c.Id))
                .Select(c => c.Id).ToListAsync(ct))
            .ToHashSet();

        IReadOnlyDictionary<long, int>? arms = null;
        HashSet<int> mailedArms = [];
        var queuedNow = audience;
        if (campaign.ExperimentId is { } experimentId)
        {
            // A winner rollout tests a share of the audience now; the rest waits for the winner (WinnerRollouts).
            var rollout = await db.Experiments.AsNoTracking().Where(e => e.Id == experimentId && e.RolloutTestShare != null)
                .Select(e => new { e.AssignmentSalt, Share = e.RolloutTestShare!.Value }).FirstOrDefaultAsync(ct);
            if (rollout is not null)
            {
                queuedNow = [.. audience.Where(id => WinnerRollout.InTest(rollout.AssignmentSalt, id, rollout.Share))];
            }

            // Only customers who could be mailed are randomised: a holdout of people we may not mail anyway would compare nothing.
            arms = await ExperimentAssignments.AssignAsync(db, experimentId, queuedNow.Where(mailable.Contains).ToList(), now, ct);
            mailedArms = await MailedArmsAsync(db, experimentId, ct);
            await db.Experiments.Where(e => e.Id == experimentId && e.Status == ExperimentStatus.Draft)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatus.Running).SetProperty(e => e.StartedAt, now), ct);
        }

        var rows = await QueueAsync(db, campaign, queuedNow, mailable, arms, mailedArms, now, ct);
        campaign.SnapshotSegmentId = snapshot.Id;
        campaign.AudienceCount = rows;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Campaign {CampaignId} launched: {Rows} messages for {Audience} audience members ({Mailable} mailable)",
            campaignId, rows, audience.Count, mailable.Count);
        return true;
    }

    /// <summary>
    /// Queues the messages of an adaptive experiment's latest round on the campaign that launched it: every assigned
    /// customer of a mailed arm with no message on the campaign yet (the new round's, or any a crash left out), through the
    /// launch's own recipient path. A finished campaign moves back to sending; a cancelled one mails nothing more. Runs in
    /// the caller's transaction (the round's assignments and its messages commit together) and queues each customer once
    /// however often it runs (the unique campaign–customer index). Returns the rows queued.
    /// </summary>
    public async Task<int> QueueNextRoundAsync(AppDbContext db, int experimentId, DateTime now, CancellationToken ct)
    {
        var campaign = await db.Campaigns.Where(c => c.ExperimentId == experimentId && c.LaunchedAt != null)
            .OrderByDescending(c => c.LaunchedAt).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        if (campaign is null || !(campaign.Status is CampaignStatus.Sending or CampaignStatus.Paused || CampaignLifecycle.SendNextRound.IsAllowedFrom(campaign.Status)))
        {
            return 0;
        }

        var mailedArms = await MailedArmsAsync(db, experimentId, ct);
        var campaignId = campaign.Id;
        var waiting = await db.Assignments.AsNoTracking()
            .Where(a => a.ExperimentId == experimentId && a.CustomerId != null && mailedArms.Contains(a.VariantId)
                        && !db.Messages.Any(m => m.CampaignId == campaignId && m.CustomerId == a.CustomerId))
            .Select(a => new { CustomerId = a.CustomerId!.Value, a.VariantId })
            .ToListAsync(ct);
        if (waiting.Count == 0)
        {
            return 0;
        }

        var arms = waiting.ToDictionary(a => a.CustomerId, a => a.VariantId);
        var audience = arms.Keys.Order().ToList();
        var mailable = new HashSet<long>();
        foreach (var chunk in audience.Chunk(1_000))
        {
            // The one consent filter, read now: a customer who opted out since the first round gets a Suppressed row.
            mailable.UnionWith(await db.Customers.Mailable().Where(c => !c.IsErased && chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct));
        }

        var rows = await QueueAsync(db, campaign, audience, mailable, arms, mailedArms, now, ct);
        await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.AudienceCount, c => c.AudienceCount + rows), ct);
        if (rows > 0 && await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.SendNextRound, ct, s => s.SetProperty(c => c.CompletedAt, (DateTime?)null)))
        {
            log.LogInformation("Campaign {CampaignId} sends again: the next round of experiment {ExperimentId}", campaignId, experimentId);
        }

        log.LogInformation("Campaign {CampaignId}: {Rows} messages queued for the next round of experiment {ExperimentId}", campaignId, rows, experimentId);
        return rows;
    }

    /// <summary>
    /// Queues a winner rollout's rest on the campaign that launched the test (decision 048): the frozen audience's members
    /// who were not in the test and are not in the long-term holdout get the winner's e-mail, through the launch's recipient
    /// path (consent read now: who may not be mailed gets a Suppressed row; nobody already on the campaign is queued again).
    /// A finished campaign sends again; a cancelled one mails nothing. Runs in the caller's transaction. Returns the rows
    /// queued and the customers kept out as the holdout.
    /// </summary>
    public async Task<(int Rows, int KeptInHoldout)> QueueRolloutAsync(AppDbContext db, Experiment experiment, Variant winner, DateTime now, CancellationToken ct)
    {
        var campaign = await db.Campaigns.Where(c => c.ExperimentId == experiment.Id && c.LaunchedAt != null && c.SnapshotSegmentId != null)
            .OrderByDescending(c => c.LaunchedAt).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        if (campaign is null || !(campaign.Status is CampaignStatus.Sending or CampaignStatus.Paused || CampaignLifecycle.SendNextRound.IsAllowedFrom(campaign.Status)))
        {
            return (0, 0);
        }

        var snapshotId = campaign.SnapshotSegmentId!.Value;
        var members = await db.SegmentMembers.AsNoTracking().Where(m => m.SegmentId == snapshotId).Select(m => m.CustomerId).OrderBy(id => id).ToListAsync(ct);
        var picker = await ArmPicker.LoadAsync(db, experiment.Id, ct);
        var share = experiment.RolloutTestShare ?? 1;
        var rest = new List<long>();
        var keptOut = 0;
        foreach (var id in members.Where(id => !WinnerRollout.InTest(experiment.AssignmentSalt, id, share)))
        {
            // The long-term holdout is a share of everyone, not only of the test: its members of the rest get nothing either.
            if (picker.Pick(id).IsHoldout)
            {
                keptOut++;
                continue;
            }

            rest.Add(id);
        }

        var mailable = new HashSet<long>();
        foreach (var chunk in rest.Chunk(1_000))
        {
            mailable.UnionWith(await db.Customers.Mailable().Where(c => !c.IsErased && chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct));
        }

        // A "no message" winner mails nobody; the rest still gets its Suppressed rows for who may not be mailed.
        var arms = rest.ToDictionary(id => id, _ => winner.Id);
        HashSet<int> mailedArms = winner.EmailTemplateId is null ? [] : [winner.Id];
        var campaignId = campaign.Id;
        var rows = await QueueAsync(db, campaign, rest, mailable, arms, mailedArms, now, ct);
        await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.AudienceCount, c => c.AudienceCount + rows), ct);
        if (rows > 0 && await CampaignMoves.TryAsync(db, campaignId, CampaignLifecycle.SendNextRound, ct, s => s.SetProperty(c => c.CompletedAt, (DateTime?)null)))
        {
            log.LogInformation("Campaign {CampaignId} sends again: the winner of experiment {ExperimentId} to the rest", campaignId, experiment.Id);
        }

        return (rows, keptOut);
    }

    /// <summary>The arms that get an e-mail: not the holdout, and with a template (a "no message" arm's assignment is its record).</summary>
    private static async Task<HashSet<int>> MailedArmsAsync(AppDbContext db, int experimentId, CancellationToken ct) =>
        (await db.Variants.AsNoTracking().Where(v => v.ExperimentId == experimentId && !v.IsHoldout && v.EmailTemplateId != null)
            .Select(v => v.Id).ToListAsync(ct)).ToHashSet();

    /// <summary>
    /// The recipient path of a launch and of every later round: one row per audience member, Suppressed for those who may
    /// not be mailed, none for customers of an arm that gets no e-mail, Queued (at the best hour when asked) for the rest.
    /// A customer who already has a row on the campaign keeps it.
    /// </summary>
    private async Task<int> QueueAsync(AppDbContext db, Campaign campaign, IReadOnlyList<long> audience, HashSet<long> mailable,
        IReadOnlyDictionary<long, int>? arms, HashSet<int> mailedArms, DateTime now, CancellationToken ct)
    {
        var campaignId = campaign.Id;

        // Read outside the transaction's connection (opens and clicks only); a recipient's hour is fixed when queued.
        var deliverAt = campaign.DeliverAtBestHour ? await sendTimes.NextBestSendTimesAsync(mailable, now, ct) : null;
        var rows = 0;
        await using (var insert = await BulkInserter.CreateAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction!.GetDbTransaction(), "Messages",
                         ["CampaignId", "CustomerId", "VariantId", "Status", "Attempts", "QueuedAt", "Error", "NextAttemptAt"],
                         returning: "Id", ct: ct, onConflict: "ON CONFLICT (\"CampaignId\", \"CustomerId\", \"EntryNumber\") DO NOTHING"))
        {
            var queued = nameof(MessageStatus.Queued);
            var suppressed = nameof(MessageStatus.Suppressed);
            foreach (var customerId in audience)
            {
                if (!mailable.Contains(customerId))
                {
                    rows += await insert.InsertAsync(ct, campaignId, customerId, null, suppressed, 0, now, SuppressedAtLaunch, null) is null or DBNull ? 0 : 1;
                    continue;
                }

                int? variantId = null;
                if (arms is not null)
                {
                    if (!arms.TryGetValue(customerId, out var arm) || !mailedArms.Contains(arm))
                    {
                        continue;
                    }

                    variantId = arm;
                }

                object? nextAttemptAt = deliverAt is not null && deliverAt.TryGetValue(customerId, out var at) ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null;

                // No id back: the customer already had a row (a second instance queued the round first).
                rows += await insert.InsertAsync(ct, campaignId, customerId, variantId, queued, 0, now, null, nextAttemptAt) is null or DBNull ? 0 : 1;
            }
        }

        return rows;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
