using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Sending;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows;

/// <summary>
/// A flow's life as rules on the database, for any host (the editor and API through the web app's FlowService, which adds
/// the role check and the audit entry): create, save the draft, edit a live flow as a new version, publish (the send steps
/// become Sending campaigns), pause, resume, archive, delete a draft never switched on. The status moves are those of
/// <see cref="FlowLifecycle"/>. Each call works inside the caller's transaction and saves nothing it has not finished:
/// the caller commits (docs/decisions/053-flows.md, "Editor and lifecycle").
/// </summary>
public static class FlowChanges
{
    /// <summary>Where a new flow from scratch starts: an event trigger and one wait, so the diagram has something to add to.</summary>
    public static FlowDefinition Starter { get; } = new()
    {
        Trigger = new EventTrigger(new EventMatch(ReadyMadeFlows.SignedUp)),
        Goal = new FlowGoal(new EventMatch(EventMatch.Purchase)),
        Steps = [new WaitStep("step-1", 60)],
    };

    /// <summary>A new draft flow, version 1: from a ready-made flow (its e-mails created if missing) or from <see cref="Starter"/>.</summary>
    public static async Task<FlowChange> CreateAsync(AppDbContext db, string? name, string? readyMadeKey, string actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var readyMade = ReadyMadeFlows.Find(readyMadeKey);
        if (!string.IsNullOrWhiteSpace(readyMadeKey) && readyMade is null)
        {
            return FlowChange.Refused($"There is no ready-made flow “{readyMadeKey}”; choose one of: {string.Join(", ", ReadyMadeFlows.All.Select(f => f.Key))}.");
        }

        var built = readyMade is null ? new ReadyMadeDefinition(Starter, null) : await ReadyMadeFlows.BuildWithNoteAsync(db, readyMade.Key, actor, now, ct);
        var definition = built.Definition;
        var flow = new Flow
        {
            Name = Clip(string.IsNullOrWhiteSpace(name) ? readyMade?.Name ?? "New flow" : name.Trim(), Domain.Limits.Title),

            // The note says what the shop's data decided (the cart flow's offer, or why there is none); the editor shows it.
            Description = readyMade is null ? null : Clip(built.Note ?? readyMade.Description, Domain.Limits.ShortText),
            Status = FlowStatus.Draft,
            StartedFrom = readyMade?.Key,
            CreatedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Flows.Add(flow);
        await db.SaveChangesAsync(ct);
        db.FlowVersions.Add(new FlowVersion { FlowId = flow.Id, Number = 1, DefinitionJson = FlowDefinitionJson.Serialize(definition), CreatedAt = now, CreatedBy = actor });
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(flow.Id, new { readyMade = readyMade?.Key });
    }

    /// <summary>
    /// Saves the draft's steps, checked as Publish would check them. A live or paused flow without a draft gets a new draft
    /// version (numbering on); the live version is never changed, because customers inside are walking it.
    /// </summary>
    public static async Task<FlowChange> SaveDraftAsync(AppDbContext db, int id, FlowDefinition definition, string actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await EditableAsync(db, id, ct) is not { } flow)
        {
            return await MissingOrRefusedAsync(db, id, ct);
        }

        if (await ProblemAsync(db, definition, ct) is { } problem)
        {
            return FlowChange.Refused(problem);
        }

        var draft = await DraftOrNewAsync(db, flow, actor, now, ct);
        draft.DefinitionJson = FlowDefinitionJson.Serialize(definition);
        flow.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id, new { version = draft.Number });
    }

    /// <summary>Starts editing a live or paused flow: a new draft version, a copy of the live one (nothing changes for customers until it is published).</summary>
    public static async Task<FlowChange> EditLiveAsync(AppDbContext db, int id, string actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await EditableAsync(db, id, ct) is not { } flow)
        {
            return await MissingOrRefusedAsync(db, id, ct);
        }

        var draft = await DraftOrNewAsync(db, flow, actor, now, ct);
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id, new { version = draft.Number });
    }

    /// <summary>
    /// Switches the draft version on: checked again, it becomes the live version (new customers enter it), and each of its
    /// send steps gets its campaign, launched (Sending) the way every campaign is, so the send pipeline mails what the engine
    /// queues. Customers already inside stay on their version, and so do its campaigns.
    /// </summary>
    public static async Task<FlowChange> PublishAsync(AppDbContext db, int id, string actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (FlowLifecycle.Publish.RefusalFrom(flow.Status) is { } refusal)
        {
            return FlowChange.Refused(refusal);
        }

        var draft = await db.FlowVersions.Where(v => v.FlowId == id && v.PublishedAt == null).OrderByDescending(v => v.Number).FirstOrDefaultAsync(ct);
        if (draft is null)
        {
            return FlowChange.Refused("There is nothing new to publish: the live version is the latest.");
        }

        var parsed = FlowDefinitionJson.Parse(draft.DefinitionJson);
        if (parsed.Definition is not { } definition)
        {
            return FlowChange.Refused(parsed.Error!);
        }

        if (await ProblemAsync(db, definition, ct) is { } problem)
        {
            return FlowChange.Refused(problem);
        }

        var sendingDomain = SenderIdentityStore.DomainOf(
            await db.Settings.AsNoTracking().Where(s => s.Key == SenderIdentityStore.FromAddressKey).Select(s => s.Value).FirstOrDefaultAsync(ct));
        foreach (var step in new FlowMap(definition).Steps.OfType<SendEmailStep>())
        {
            var campaign = new Campaign
            {
                Name = Clip($"{flow.Name} · {step.Label ?? step.Id}", Domain.Limits.Title),
                FlowId = flow.Id,
                FlowVersionId = draft.Id,
                FlowStepId = step.Id,
                EmailTemplateId = step.TemplateId,
                DiscountTier = step.DiscountTier,
                AttributionWindowDays = definition.ConversionWindowDays,
                CreatedBy = actor,
                CreatedAt = now,
                LaunchedAt = now,
                SendingDomain = sendingDomain,
            };

            // Through the campaign lifecycle like any launch: a flow's step is a campaign that stays open while the flow is live.
            campaign.MoveTo(CampaignStatus.Scheduled);
            campaign.MoveTo(CampaignStatus.Sending);
            db.Campaigns.Add(campaign);
        }

        draft.PublishedAt = now;
        var previous = flow.LiveVersionId;
        flow.LiveVersionId = draft.Id;
        flow.Status = FlowLifecycle.Publish.To;
        flow.LiveSince ??= now;
        flow.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id, new { version = draft.Number, previousVersionId = previous });
    }

    /// <summary>Nobody new enters and nobody moves on; the flow's step campaigns pause too, so nothing queued leaves.</summary>
    public static Task<FlowChange> PauseAsync(AppDbContext db, int id, DateTime now, CancellationToken ct) => MoveAsync(db, id, FlowLifecycle.Pause, now,
        async campaign => await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Pause, ct), ct);

    /// <summary>
    /// Live again, and the step campaigns the pause stopped send again. A step campaign that paused itself (too many bounces
    /// or complaints, or harmful against its holdout) stays paused: resuming that is a decision about that step, made on its own page.
    /// </summary>
    public static Task<FlowChange> ResumeAsync(AppDbContext db, int id, DateTime now, CancellationToken ct) => MoveAsync(db, id, FlowLifecycle.Resume, now,
        async campaign => !campaign.IsAutoPaused && await AutomaticPauses.ResumeAsync(db, campaign.Id, now, ct), ct);

    /// <summary>
    /// Switched off for good: its step campaigns are cancelled (mail not yet handed to a worker is not sent), the engine takes
    /// those inside out, and the flow stays for its reports.
    /// </summary>
    public static Task<FlowChange> ArchiveAsync(AppDbContext db, int id, DateTime now, CancellationToken ct) => MoveAsync(db, id, FlowLifecycle.Archive, now,
        async campaign =>
        {
            if (!await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Cancel, ct))
            {
                return false;
            }

            await CampaignCommands.CancelQueuedAsync(db, campaign.Id, ct);
            return true;
        }, ct);

    /// <summary>Deletes a flow that was never switched on (a live one is archived instead: its sends stay in the reports).</summary>
    public static async Task<FlowChange> DeleteDraftAsync(AppDbContext db, int id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (FlowLifecycle.DeleteRefusal(flow) is { } refusal)
        {
            return FlowChange.Refused(refusal);
        }

        db.Flows.Remove(flow);
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id, new { flow.Name });
    }

    /// <summary>What stops the definition from going live that JSON alone cannot tell: templates, segments and offers that do not exist.</summary>
    public static async Task<string?> ProblemAsync(AppDbContext db, FlowDefinition definition, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (FlowDefinitionJson.Validate(definition) is { } error)
        {
            return error;
        }

        var map = new FlowMap(definition);
        var templateIds = map.Steps.OfType<SendEmailStep>().Select(s => s.TemplateId).Distinct().ToList();
        var known = await db.EmailTemplates.Where(t => templateIds.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        if (map.Steps.OfType<SendEmailStep>().FirstOrDefault(s => !known.Contains(s.TemplateId)) is { } missing)
        {
            return $"Step \"{missing.Label ?? missing.Id}\": the e-mail template #{missing.TemplateId} does not exist (any more); choose another.";
        }

        if (definition.Trigger is SegmentEntryTrigger entry && !await db.Segments.AnyAsync(s => s.Id == entry.SegmentId, ct))
        {
            return $"The trigger's segment #{entry.SegmentId} does not exist (any more); choose another.";
        }

        foreach (var split in map.Steps.OfType<ConditionSplitStep>().Where(s => s.OfferGain is not null))
        {
            var gain = split.OfferGain!;
            if (!await db.Variants.AnyAsync(v => v.Id == gain.VariantId && v.ExperimentId == gain.ExperimentId && !v.IsControl, ct))
            {
                return $"Step \"{split.Label ?? split.Id}\": the offer #{gain.VariantId} of experiment #{gain.ExperimentId} does not exist (any more); choose another.";
            }
        }

        return null;
    }

    /// <summary>The flow when its draft may be edited; null when it does not exist or is archived.</summary>
    private static async Task<Flow?> EditableAsync(AppDbContext db, int id, CancellationToken ct)
    {
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        return flow is not null && FlowLifecycle.EditRefusal(flow.Status) is null ? flow : null;
    }

    private static async Task<FlowChange> MissingOrRefusedAsync(AppDbContext db, int id, CancellationToken ct) =>
        await db.Flows.AsNoTracking().Where(f => f.Id == id).Select(f => (FlowStatus?)f.Status).FirstOrDefaultAsync(ct) is { } status
            ? FlowChange.Refused(FlowLifecycle.EditRefusal(status) ?? "The flow cannot be changed.")
            : FlowChange.Missing;

    private static async Task<FlowVersion> DraftOrNewAsync(AppDbContext db, Flow flow, string actor, DateTime now, CancellationToken ct)
    {
        var versions = await db.FlowVersions.Where(v => v.FlowId == flow.Id).OrderByDescending(v => v.Number).ToListAsync(ct);
        if (versions.FirstOrDefault(v => v.PublishedAt is null) is { } draft)
        {
            return draft;
        }

        var from = versions.FirstOrDefault(v => v.Id == flow.LiveVersionId) ?? versions.First();
        var copy = new FlowVersion { FlowId = flow.Id, Number = versions[0].Number + 1, DefinitionJson = from.DefinitionJson, CreatedAt = now, CreatedBy = actor };
        db.FlowVersions.Add(copy);
        return copy;
    }

    /// <summary>A status move of the table, with every step campaign of the flow (all versions) moved along.</summary>
    private static async Task<FlowChange> MoveAsync(AppDbContext db, int id, FlowMove move, DateTime now, Func<Campaign, Task<bool>> moveCampaign, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (move.RefusalFrom(flow.Status) is { } refusal)
        {
            return FlowChange.Refused(refusal);
        }

        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == id).ToListAsync(ct);
        var moved = 0;
        foreach (var campaign in campaigns)
        {
            moved += await moveCampaign(campaign) ? 1 : 0;
        }

        flow.Status = move.To;
        flow.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id, new { campaignsMoved = moved });
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>What a lifecycle call did: done (with what the audit entry records), refused with the reason in words, or the flow does not exist.</summary>
public sealed record FlowChange(int? FlowId, string? Problem, bool NotFound = false)
{
    public static FlowChange Missing { get; } = new(null, "There is no such flow.", NotFound: true);

    public bool Succeeded => Problem is null;

    /// <summary>The details the audit entry of a successful change records.</summary>
    public object? Details { get; init; }

    public static FlowChange Done(int id, object? details = null) => new(id, null) { Details = details };

    public static FlowChange Refused(string problem) => new(null, problem);
}
