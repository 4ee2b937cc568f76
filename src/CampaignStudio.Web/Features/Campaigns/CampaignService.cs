using CampaignStudio.Domain.Privacy;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Sending;
using CampaignStudio.Sending.Personalization;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Campaigns;

/// <summary>Campaigns: the wizard's choices, review, launch, pause/resume/cancel, live progress and results per variant.</summary>
public sealed class CampaignService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TemplateRenderer renderer, TemplateService templates,
    SenderIdentityStore senders, TimeProvider clock, RecommendationLists recommendations, BestSendTimes sendTimes, PrivacySettingsStore privacy)
{
    /// <summary>Merge fields are checked on up to this many recipients; larger audiences report a sample.</summary>
    public const int MergeCheckSample = 5_000;

    public async Task<IReadOnlyList<CampaignListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // A flow's send steps are listed with their flow, not as campaigns.
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == null).OrderByDescending(c => c.CreatedAt).ToListAsync(ct);
        var counts = await db.Messages.GroupBy(m => new { m.CampaignId, m.Status }).Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        return campaigns.Select(c => new CampaignListItem(c.Id, c.Name, c.Status, c.AudienceCount,
            counts.Where(x => x.CampaignId == c.Id && x.Status == MessageStatus.Sent).Sum(x => x.Count),
            counts.Where(x => x.CampaignId == c.Id && x.Status == MessageStatus.Failed).Sum(x => x.Count),
            c.LaunchedAt)).ToList();
    }

    /// <summary>What the wizard can choose from.</summary>
    public async Task<WizardChoices> ChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Any segment but the audiences earlier campaigns froze (those belong to their campaign).
        var segments = await db.Segments.AsNoTracking().Where(s => !db.Campaigns.Any(c => c.SnapshotSegmentId == s.Id)).OrderBy(s => s.Name)
            .Select(s => new WizardOption(s.Id, s.Name)).ToListAsync(ct);
        var experiments = await db.Experiments.AsNoTracking().Include(e => e.Variants)
            .Where(e => e.Source == Domain.Experiments.ExperimentSource.Campaign && e.Status != Domain.Experiments.ExperimentStatus.Archived
                && e.Status != Domain.Experiments.ExperimentStatus.Finished)
            .OrderBy(e => e.Name).ToListAsync(ct);
        var templateRows = await db.EmailTemplates.AsNoTracking().OrderBy(t => t.Name).Select(t => new WizardOption(t.Id, t.Name)).ToListAsync(ct);
        return new WizardChoices(segments,
            experiments.Select(e => new ExperimentOption(e.Id, e.Name, e.Variants.OrderBy(v => v.SortOrder).ThenBy(v => v.Id)
                .Select(v => new VariantOption(v.Id, v.Name, v.IsControl, v.IsHoldout, v.Weight, v.EmailTemplateId)).ToList())).ToList(),
            templateRows);
    }

    /// <summary>The review step: who gets mail after consent, previews, merge fields missing for some recipients, spam warnings.</summary>
    public async Task<CampaignReview> ReviewAsync(CampaignDraft draft, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var problems = new List<string>();
        var identity = await senders.GetAsync(ct);
        if (!identity.IsReadyToSend)
        {
            problems.Add("Set the sender address and the postal address in Settings before launching.");
        }

        if (string.IsNullOrWhiteSpace(draft.Name))
        {
            problems.Add("Give the campaign a name.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        IQueryable<long>? members;
        try
        {
            members = draft.SegmentId is { } segmentId ? await MembersAsync(db, segmentId, ct) : null;
        }
        catch (SegmentRuleException ex)
        {
            problems.Add(ex.Message);
            return new CampaignReview(0, 0, [], problems);
        }

        if (members is null)
        {
            problems.Add("Choose an audience segment.");
            return new CampaignReview(0, 0, [], problems);
        }

        var audience = await members.CountAsync(ct);
        var mailableQuery = db.Customers.Mailable().Where(c => members.Contains(c.Id));
        var mailable = await mailableQuery.CountAsync(ct);
        var population = db.Customers.AsNoTracking().Where(c => !c.IsErased);
        var k = (await privacy.GetAsync(ct)).MinGroupSize;

        // Who will get an e-mail: everyone mailable, or with an experiment the mailable customers of the arms that get one.
        ExperimentSplit? split = null;
        List<long> sampleIds;
        IReadOnlyList<(string Attribute, CampaignStudio.Analytics.Uplift.FairnessReport Report)> fairness;
        if (draft.ExperimentId is { } experimentId && await db.Experiments.AnyAsync(e => e.Id == experimentId, ct))
        {
            split = await SplitAsync(db, experimentId, draft, mailableQuery, ct);
            sampleIds = split.Sample;
            fairness = await AudienceFairness.EvaluateAsync(population, split.MailedByGroup, k, ct);
        }
        else
        {
            sampleIds = await mailableQuery.OrderBy(c => c.Id).Select(c => c.Id).Take(MergeCheckSample).ToListAsync(ct);

            // Shown before launch, never blocking: a skew can be intended (a German-language mail), but it should be seen.
            fairness = await AudienceFairness.EvaluateAsync(population, mailableQuery, k, ct);
        }

        var recipients = (await RecipientLoader.LoadAsync(db, sampleIds, onlyMailable: false, recommendations, ct)).Values.ToList();
        var contents = new List<ContentReview>();
        foreach (var (label, templateId) in ContentSlots(draft))
        {
            var template = templateId is { } id ? await db.EmailTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) : null;
            if (template is null)
            {
                problems.Add(templateId is null ? label : $"The template chosen for {label} no longer exists; choose another.");
                continue;
            }

            var source = TemplateSource.From(template);
            var compiled = renderer.Compile(source);
            if (!compiled.Succeeded)
            {
                problems.Add($"The template “{template.Name}” ({label}) has errors: " +
                    string.Join("; ", compiled.Errors.Select(e => $"{e.Part} line {e.Line}, column {e.Column}: {e.Message}")));
                contents.Add(new ContentReview(label, template.Name, null, compiled.Errors, [], null));
                continue;
            }

            var report = MergeFieldAnalyzer.CountMissing(compiled.Template!, recipients, new CampaignData(0, draft.Name, draft.DiscountTier));

            // The saved source, rendered under the same limits as every real message: one that fails here would fail the send.
            var preview = await templates.RenderPreviewAsync(source, recipients.FirstOrDefault()?.CustomerId, draft.DiscountTier, 0, draft.Name, ct);
            if (preview.Message is null)
            {
                problems.Add($"The template “{template.Name}” ({label}) cannot be rendered: " + string.Join("; ", preview.Errors.Select(e => e.Message)));
            }

            contents.Add(new ContentReview(label, template.Name, preview.Message, preview.Message is null ? preview.Errors : [], preview.SpamWarnings, report,
                preview.FieldWarnings));
        }

        var startsAt = clock.GetUtcNow().UtcDateTime;
        if (draft.Schedule == ScheduleKind.Later && draft.LocalSendTime is { } local && ToUtc(local, draft.TimeZoneId) is { } utc)
        {
            if (utc < startsAt)
            {
                problems.Add("The send time is in the past.");
            }
            else
            {
                startsAt = utc;
            }
        }

        var deliveryHours = draft.DeliverAtBestHour ? await DeliveryHoursAsync(sampleIds, startsAt, draft.TimeZoneId, ct) : null;

        if (mailable == 0)
        {
            problems.Add("Nobody in this segment may be mailed (no opt-in).");
        }
        else if (split is { Mailed: 0 } && contents.Count > 0)
        {
            problems.Add("Nobody would be mailed: the arms that get an e-mail have no customers in this audience.");
        }

        // A winner rollout splits only its test share at launch: the counts above are for everyone, and the sentence says so.
        var rollout = draft.ExperimentId is { } rolloutOf
            ? await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == rolloutOf && e.RolloutTestShare != null, ct)
            : null;
        return new CampaignReview(audience, mailable, contents, problems)
        {
            Fairness = fairness, DeliveryHours = deliveryHours, WillBeMailed = split?.Mailed ?? mailable, Arms = split?.Arms ?? [],
            Rollout = rollout is null ? null
                : $"Winner rollout: the launch tests about {rollout.RolloutTestShare!.Value.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)} of these customers, split across the arms as shown; " +
                  $"{(int)rollout.RolloutWait.TotalHours} hours later the rest receives the winner, or “{rollout.RolloutFallbackArm ?? rollout.Variants.FirstOrDefault(v => v.IsControl)?.Name ?? "the control"}” without a clear one.",
        };
    }

    /// <summary>Customers of an experiment campaign per arm, the mailed ones per fairness group, and a sample of them, without assigning anyone.</summary>
    private sealed record ExperimentSplit(IReadOnlyList<ArmReview> Arms, int Mailed, IReadOnlyDictionary<string, Dictionary<string, int>> MailedByGroup, List<long> Sample);

    /// <summary>
    /// Splits the mailable audience into the experiment's arms the way the launch will (a customer's recorded arm, else the
    /// hash pick — <see cref="ArmPicker"/>), in one streamed pass: who gets which e-mail, who gets none, and per fairness
    /// group how many are mailed.
    /// </summary>
    private static async Task<ExperimentSplit> SplitAsync(AppDbContext db, int experimentId, CampaignDraft draft, IQueryable<Customer> mailable, CancellationToken ct)
    {
        var picker = await ArmPicker.LoadAsync(db, experimentId, ct);
        var templateOf = picker.Variants.ToDictionary(v => v.Id, v => v.IsHoldout ? null : draft.VariantTemplates.GetValueOrDefault(v.Id));
        var templateIds = templateOf.Values.OfType<int>().ToList();
        var names = await db.EmailTemplates.AsNoTracking().Where(t => templateIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var counts = picker.Variants.ToDictionary(v => v.Id, _ => 0);
        var byGroup = AudienceFairness.Attributes.ToDictionary(a => a, _ => new Dictionary<string, int>(StringComparer.Ordinal), StringComparer.Ordinal);
        var sample = new List<long>();
        var rows = mailable.AsNoTracking().OrderBy(c => c.Id).Select(c => new
        {
            c.Id,
            c.Gender,
            c.AgeBand,
            c.Country,
            Assigned = db.Assignments.Where(a => a.ExperimentId == experimentId && a.CustomerId == c.Id).Select(a => (int?)a.VariantId).FirstOrDefault(),
        });
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            // An adaptive experiment's later rounds are not assigned, nor mailed, by this launch.
            if (row.Assigned is null && !picker.IsDue(row.Id))
            {
                continue;
            }

            var arm = picker.ArmOf(row.Id, row.Assigned);
            counts[arm] = counts.GetValueOrDefault(arm) + 1;
            if (templateOf.GetValueOrDefault(arm) is null)
            {
                continue;
            }

            foreach (var (attribute, value) in new[] { ("Gender", row.Gender), ("Age band", row.AgeBand), ("Country", row.Country) })
            {
                var group = AudienceFairness.GroupOf(value);
                byGroup[attribute][group] = byGroup[attribute].GetValueOrDefault(group) + 1;
            }

            if (sample.Count < MergeCheckSample)
            {
                sample.Add(row.Id);
            }
        }

        var arms = picker.Variants.Select(v => new ArmReview(v.Name, v.IsControl, v.IsHoldout, templateOf[v.Id] is { } t ? names.GetValueOrDefault(t, "(deleted template)") : null, counts[v.Id])).ToList();
        return new ExperimentSplit(arms, arms.Where(a => a.TemplateName is not null).Sum(a => a.Customers), byGroup, sample);
    }

    /// <summary>
    /// How many of the (sampled) recipients would get the mail in each hour of the day, in the campaign's time zone,
    /// when each is mailed at their best hour within 24 hours of the start.
    /// </summary>
    private async Task<DeliveryHours> DeliveryHoursAsync(IReadOnlyCollection<long> recipients, DateTime startsAt, string timeZoneId, CancellationToken ct)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var found) ? found : TimeZoneInfo.Utc;
        var times = await sendTimes.NextBestSendTimesAsync(recipients, startsAt, ct);
        var counts = new int[24];
        foreach (var at in times.Values)
        {
            counts[TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc), zone).Hour]++;
        }

        // An hour's bar is a group of customers: fewer than k are not shown (the studio's privacy setting).
        var k = (await privacy.GetAsync(ct)).MinGroupSize;
        return new DeliveryHours(zone.Id, [.. counts.Select(n => SmallGroups.ValueOrNull(n, k))], k, times.Count, times.Count == 0 ? null : times.Values.Max());
    }

    /// <summary>Creates the campaign and hands it to the worker (now or at the chosen time); refuses while the review has problems.</summary>
    public async Task<LaunchResult> LaunchAsync(CampaignDraft draft, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var review = await ReviewAsync(draft, ct);
        if (review.Problems.Count > 0)
        {
            return new LaunchResult(null, review.Problems);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        DateTime at = now;
        if (draft.Schedule == ScheduleKind.Later)
        {
            if (draft.LocalSendTime is not { } local || ToUtc(local, draft.TimeZoneId) is not { } utc)
            {
                return new LaunchResult(null, ["Choose a valid send time and time zone."]);
            }

            at = utc;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var campaign = new Campaign
        {
            Name = draft.Name.Trim(),
            SegmentId = draft.SegmentId,
            ExperimentId = draft.ExperimentId,
            EmailTemplateId = draft.ExperimentId is null ? draft.TemplateId : null,
            ScheduledAt = at,
            TimeZoneId = draft.TimeZoneId,
            DiscountTier = string.IsNullOrWhiteSpace(draft.DiscountTier) ? null : draft.DiscountTier.Trim(),
            AttributionWindowDays = Math.Clamp(draft.AttributionWindowDays, 1, 90),
            DeliverAtBestHour = draft.DeliverAtBestHour,
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        if (draft.ExperimentId is { } experimentId)
        {
            // The experiment's arms get their e-mail here; arms left without one are "no message" arms.
            var variants = await db.Variants.Where(v => v.ExperimentId == experimentId).ToListAsync(ct);
            foreach (var variant in variants.Where(v => !v.IsHoldout))
            {
                variant.EmailTemplateId = draft.VariantTemplates.GetValueOrDefault(variant.Id);
            }
        }

        await db.SaveChangesAsync(ct);
        return new LaunchResult(campaign.Id, []);
    }

    public async Task<bool> PauseAsync(int id, CancellationToken ct = default) =>
        await MoveAsync(id, CampaignLifecycle.Pause, ct);

    /// <summary>A marketer's decision, also after an automatic pause: from then on its limits count only mail sent after this resume.</summary>
    public async Task<bool> ResumeAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AutomaticPauses.ResumeAsync(db, id, clock.GetUtcNow().UtcDateTime, ct);
    }

    /// <summary>Sends a campaign that was parked because it was found far past its time.</summary>
    public async Task<bool> ConfirmOverdueAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return await CampaignMoves.TryAsync(db, id, CampaignLifecycle.Confirm, ct, s => s.SetProperty(c => c.ScheduledAt, now));
    }

    public async Task<bool> CancelAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CampaignMoves.TryAsync(db, id, CampaignLifecycle.Cancel, ct))
        {
            return false;
        }

        await CampaignCommands.CancelQueuedAsync(db, id, ct);
        return true;
    }

    /// <summary>The campaign with its ledger counts, for the live progress bar.</summary>
    public async Task<CampaignProgress?> ProgressAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (campaign is null)
        {
            return null;
        }

        var counts = await db.Messages.Where(m => m.CampaignId == id).GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        int Of(MessageStatus s) => counts.GetValueOrDefault(s);
        var segment = campaign.SegmentId is { } s ? await db.Segments.AsNoTracking().Where(x => x.Id == s).Select(x => x.Name).FirstOrDefaultAsync(ct) : null;
        var progress = new CampaignProgress(campaign, segment, Of(MessageStatus.Queued) + Of(MessageStatus.Sending), Of(MessageStatus.Sent), Of(MessageStatus.Failed),
            Of(MessageStatus.Suppressed), Of(MessageStatus.Cancelled));
        if (!campaign.DeliverAtBestHour || progress.Queued == 0)
        {
            return progress;
        }

        // Not yet tried and not yet due: waiting for the recipient's hour (a retry after a failure has Attempts > 0).
        var now = clock.GetUtcNow().UtcDateTime;
        var waiting = db.Messages.Where(m => m.CampaignId == id && m.Status == MessageStatus.Queued && m.Attempts == 0 && m.NextAttemptAt > now);
        return progress with
        {
            WaitingForTheirHour = await waiting.CountAsync(ct),
            NextDelivery = await waiting.MinAsync(m => m.NextAttemptAt, ct),
            LastDelivery = await waiting.MaxAsync(m => m.NextAttemptAt, ct),
        };
    }

    /// <summary>Opens, clicks, conversions and revenue per variant; a conversion is a purchase within the attribution window after the send.</summary>
    public async Task<IReadOnlyList<VariantResult>> ResultsAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (campaign is null)
        {
            return [];
        }

        var window = campaign.AttributionWindowDays;
        var sent = db.Messages.Where(m => m.CampaignId == id && m.Status == MessageStatus.Sent && m.SentAt != null);
        var engagement = await sent.GroupBy(m => m.VariantId)
            .Select(g => new { VariantId = g.Key, Sent = g.Count(), Opened = g.Count(m => m.OpenedAt != null), Clicked = g.Count(m => m.ClickedAt != null) })
            .ToListAsync(ct);
        var conversions = await sent
            .Select(m => new
            {
                m.VariantId,
                Converted = db.Purchases.Any(p => p.CustomerId == m.CustomerId && p.PurchasedAt >= m.SentAt && p.PurchasedAt <= m.SentAt!.Value.AddDays(window)),
                Revenue = db.Purchases.Where(p => p.CustomerId == m.CustomerId && p.PurchasedAt >= m.SentAt && p.PurchasedAt <= m.SentAt!.Value.AddDays(window))
                    .Sum(p => p.Amount),
            })
            .GroupBy(x => x.VariantId)
            .Select(g => new { VariantId = g.Key, Conversions = g.Count(x => x.Converted), Revenue = g.Sum(x => x.Revenue) })
            .ToListAsync(ct);
        VariantResult Row(string name, int? variantId)
        {
            var e = engagement.FirstOrDefault(x => x.VariantId == variantId);
            var conversion = conversions.FirstOrDefault(c => c.VariantId == variantId);
            return new VariantResult(name, e?.Sent ?? 0, e?.Opened ?? 0, e?.Clicked ?? 0, conversion?.Conversions ?? 0, conversion?.Revenue ?? 0m) { Customers = e?.Sent ?? 0 };
        }

        if (campaign.ExperimentId is not { } experimentId)
        {
            return engagement.OrderBy(e => e.VariantId).Select(e => Row(e.VariantId is { } v ? $"Variant {v}" : "All recipients", e.VariantId)).ToList();
        }

        // Every arm, in design order: the arms that got no e-mail (a "no message" control, the holdout) are part of the
        // result too — measured on the experiment page against the same audience.
        var variants = await db.Variants.AsNoTracking().Where(v => v.ExperimentId == experimentId).OrderBy(v => v.SortOrder).ThenBy(v => v.Id).ToListAsync(ct);
        var snapshot = campaign.SnapshotSegmentId;
        Dictionary<int, int> perArm = snapshot is null ? [] : await db.Assignments
            .Where(a => a.ExperimentId == experimentId && db.SegmentMembers.Any(m => m.SegmentId == snapshot && m.CustomerId == a.CustomerId))
            .GroupBy(a => a.VariantId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return variants.Select(v => Row(v.Name, v.Id) with
        {
            NoMessage = v.IsHoldout || v.EmailTemplateId is null,
            Customers = perArm.GetValueOrDefault(v.Id),
        }).ToList();
    }

    public static DateTime? ToUtc(DateTime local, string timeZoneId)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var zone))
        {
            return null;
        }

        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return zone.IsInvalidTime(unspecified) ? null : TimeZoneInfo.ConvertTimeToUtc(unspecified, zone);
    }

    private async Task<bool> MoveAsync(int id, CampaignMove move, CancellationToken ct)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CampaignMoves.TryAsync(db, id, move, ct);
    }

    /// <summary>
    /// The e-mails the review renders: the campaign's, or each experiment arm's that has one. An arm without an e-mail is a
    /// "no message" arm by design (most often the control), not a missing choice; only an experiment where no arm gets an
    /// e-mail has nothing to send. For a missing choice the label is the problem to show.
    /// </summary>
    private static IEnumerable<(string Label, int? TemplateId)> ContentSlots(CampaignDraft draft)
    {
        if (draft.ExperimentId is null)
        {
            return [(draft.TemplateId is null ? "Choose a template for the campaign." : "the campaign", draft.TemplateId)];
        }

        var mailed = draft.Variants.Where(v => !v.IsHoldout && draft.VariantTemplates.GetValueOrDefault(v.Id) is not null)
            .Select(v => ($"variant “{v.Name}”", draft.VariantTemplates[v.Id])).ToList();
        return mailed.Count > 0 ? mailed : [("Give at least one arm an e-mail: every arm of this experiment gets no message.", null)];
    }

    private async Task<IQueryable<long>?> MembersAsync(AppDbContext db, int segmentId, CancellationToken ct)
    {
        if (!await db.Segments.AnyAsync(s => s.Id == segmentId, ct))
        {
            return null;
        }

        return await SegmentMembership.MemberIdsAsync(db, segmentId, clock, ct);
    }
}

public sealed record CampaignListItem(int Id, string Name, CampaignStatus Status, int Audience, int Sent, int Failed, DateTime? LaunchedAt);

public sealed record WizardOption(int Id, string Name);

public sealed record VariantOption(int Id, string Name, bool IsControl, bool IsHoldout, double Weight, int? TemplateId);

public sealed record ExperimentOption(int Id, string Name, IReadOnlyList<VariantOption> Variants);

public sealed record WizardChoices(IReadOnlyList<WizardOption> Segments, IReadOnlyList<ExperimentOption> Experiments, IReadOnlyList<WizardOption> Templates);

public enum ScheduleKind
{
    Now,
    Later,
}

/// <summary>What the wizard collected. Variant templates map an experiment arm to its e-mail; arms left out send nothing.</summary>
public sealed class CampaignDraft
{
    public string Name { get; set; } = "";
    public int? SegmentId { get; set; }
    public int? ExperimentId { get; set; }
    public IReadOnlyList<VariantOption> Variants { get; set; } = [];
    public int? TemplateId { get; set; }
    public Dictionary<int, int?> VariantTemplates { get; set; } = [];
    public string? DiscountTier { get; set; }
    public int AttributionWindowDays { get; set; } = 7;
    public ScheduleKind Schedule { get; set; }
    public DateTime? LocalSendTime { get; set; }
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Deliver at each recipient's best hour within the 24 hours after the start, instead of all at once.</summary>
    public bool DeliverAtBestHour { get; set; }
}

/// <param name="FieldWarnings">Unknown merge fields (also those behind a default), each naming the nearest known field.</param>
public sealed record ContentReview(string Label, string TemplateName, RenderedMessage? Preview, IReadOnlyList<TemplateError> Errors,
    IReadOnlyList<string> SpamWarnings, MergeFieldReport? MergeFields, IReadOnlyList<string>? FieldWarnings = null);

/// <param name="Audience">Segment members now.</param>
/// <param name="Mailable">Of those, who may be mailed (the rest are suppressed).</param>
public sealed record CampaignReview(int Audience, int Mailable, IReadOnlyList<ContentReview> Contents, IReadOnlyList<string> Problems)
{
    public int Suppressed => Audience - Mailable;

    /// <summary>Who would be mailed per gender, age band and country, against all customers (four-fifths rule).</summary>
    public IReadOnlyList<(string Attribute, CampaignStudio.Analytics.Uplift.FairnessReport Report)> Fairness { get; init; } = [];

    /// <summary>With "deliver at each recipient's best hour": when the mails would go out, by hour of the day.</summary>
    public DeliveryHours? DeliveryHours { get; init; }

    public bool CanLaunch => Problems.Count == 0;

    /// <summary>Who will get an e-mail: the mailable customers, or with an experiment those of its arms that get one.</summary>
    public int WillBeMailed { get; init; }

    /// <summary>Mailable customers in arms that get no message (control, holdout) by the experiment's design.</summary>
    public int NotMailedByDesign => Mailable - WillBeMailed;

    /// <summary>With an experiment: each arm, what it gets and how many of the mailable customers it holds.</summary>
    public IReadOnlyList<ArmReview> Arms { get; init; } = [];

    /// <summary>With a winner rollout: what the launch tests and when the rest is mailed, in words; null otherwise.</summary>
    public string? Rollout { get; init; }
}

/// <summary>One experiment arm in the review: its e-mail (null: no message) and its customers.</summary>
public sealed record ArmReview(string Name, bool IsControl, bool IsHoldout, string? TemplateName, int Customers);

/// <summary>Recipients per hour of the day (0–23, in <paramref name="TimeZoneId"/>) at which their mail would be delivered.</summary>
/// <param name="Recipients">Recipients counted (the review's sample of up to 5,000).</param>
/// <param name="Last">The latest delivery (UTC): at most 24 hours after the start.</param>
/// <param name="ByHour">Null where fewer than <paramref name="MinGroupSize"/> recipients fall in the hour.</param>
public sealed record DeliveryHours(string TimeZoneId, IReadOnlyList<long?> ByHour, int MinGroupSize, int Recipients, DateTime? Last);

public sealed record LaunchResult(int? CampaignId, IReadOnlyList<string> Problems);

public sealed record CampaignProgress(Campaign Campaign, string? SegmentName, int Queued, int Sent, int Failed, int Suppressed, int Cancelled)
{
    /// <summary>Of <see cref="Queued"/>, messages scheduled for their recipient's best hour that has not come yet.</summary>
    public int WaitingForTheirHour { get; init; }

    /// <summary>The earliest and latest of those hours (UTC).</summary>
    public DateTime? NextDelivery { get; init; }

    public DateTime? LastDelivery { get; init; }

    public int Total => Queued + Sent + Failed + Suppressed + Cancelled;

    public double Percent(int part) => Total == 0 ? 0 : 100.0 * part / Total;
}

public sealed record VariantResult(string Variant, int Sent, int Opened, int Clicked, int Conversions, decimal Revenue)
{
    /// <summary>An experiment arm that gets no e-mail (control or holdout): measured on the experiment page, not here.</summary>
    public bool NoMessage { get; init; }

    /// <summary>Customers of the campaign's audience in this arm (the recipients when it is no experiment).</summary>
    public int Customers { get; init; }
}
