using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>
/// A flow's life, in one place: create (from scratch or ready-made), save the draft, publish (its send steps become
/// Sending campaigns), edit a live flow as a new version, pause, resume, archive, delete a draft never switched on.
/// Admins and marketers change flows; managers read them (docs/decisions/053-flows.md, "Editor and lifecycle").
/// </summary>
public sealed class FlowService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TimeProvider clock)
{
    public const string CreatedAction = "flow.created";
    public const string DraftSavedAction = "flow.draft-saved";
    public const string PublishedAction = "flow.published";
    public const string PausedAction = "flow.paused";
    public const string ResumedAction = "flow.resumed";
    public const string ArchivedAction = "flow.archived";
    public const string DeletedAction = "flow.deleted";

    /// <summary>Where a new flow from scratch starts: an event trigger and one wait, so the diagram has something to add to.</summary>
    public static FlowDefinition Starter { get; } = new()
    {
        Trigger = new EventTrigger(new EventMatch(ReadyMadeFlows.SignedUp)),
        Goal = new FlowGoal(new EventMatch(EventMatch.Purchase)),
        Steps = [new WaitStep("step-1", 60)],
    };

    public async Task<IReadOnlyList<FlowListItem>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flows = await db.Flows.AsNoTracking().OrderBy(f => f.Status == FlowStatus.Archived).ThenByDescending(f => f.UpdatedAt).ToListAsync(ct);
        var counts = await db.FlowEnrollments.GroupBy(e => new { e.FlowId, e.State }).Select(g => new { g.Key.FlowId, g.Key.State, Count = g.Count() }).ToListAsync(ct);
        var ids = flows.Select(f => f.Id).ToList();
        var versions = await db.FlowVersions.AsNoTracking().Where(v => ids.Contains(v.FlowId)).Select(v => new { v.Id, v.FlowId, v.Number, v.DefinitionJson }).ToListAsync(ct);
        var segments = await db.Segments.AsNoTracking().Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        return flows.Select(f =>
        {
            var shown = versions.Where(v => v.FlowId == f.Id).OrderByDescending(v => v.Id == f.LiveVersionId).ThenByDescending(v => v.Number).FirstOrDefault();
            var trigger = FlowDefinitionJson.Parse(shown?.DefinitionJson).Definition?.Trigger;
            int Count(FlowEnrollmentState state) => counts.Where(c => c.FlowId == f.Id && c.State == state).Sum(c => c.Count);
            return new FlowListItem(f.Id, f.Name, f.Status, FlowWords.Trigger(trigger, segments.GetValueOrDefault), Count(FlowEnrollmentState.Active),
                counts.Where(c => c.FlowId == f.Id).Sum(c => c.Count), Count(FlowEnrollmentState.Finished), Count(FlowEnrollmentState.Exited), f.StartedFrom, f.UpdatedAt);
        }).ToList();
    }

    /// <summary>
    /// The flow as the editor shows it: the draft version if there is one (what Publish would switch on), otherwise the live
    /// one; with live counts per step and how many customers are still on older versions. Null when there is no such flow.
    /// </summary>
    public async Task<FlowDetail?> GetAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flow = await db.Flows.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return null;
        }

        var versions = await db.FlowVersions.AsNoTracking().Where(v => v.FlowId == id).OrderBy(v => v.Number).ToListAsync(ct);
        var live = versions.FirstOrDefault(v => v.Id == flow.LiveVersionId);
        var draft = versions.LastOrDefault(v => v.PublishedAt is null);
        var shown = draft ?? live ?? versions.Last();
        var states = await db.FlowEnrollments.Where(e => e.FlowId == id).GroupBy(e => e.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var atSteps = await db.FlowEnrollments.Where(e => e.FlowId == id && e.State == FlowEnrollmentState.Active && e.StepId != null)
            .GroupBy(e => e.StepId!).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var onOlder = live is null ? 0 : await db.FlowEnrollments.CountAsync(e => e.FlowId == id && e.State == FlowEnrollmentState.Active && e.FlowVersionId != live.Id, ct);
        int Count(FlowEnrollmentState state) => states.Where(s => s.Key == state).Sum(s => s.Count);
        return new FlowDetail(flow, shown, live, draft, FlowDefinitionJson.Parse(shown.DefinitionJson).Definition,
            new FlowCounts(Count(FlowEnrollmentState.Active), states.Sum(s => s.Count), Count(FlowEnrollmentState.Finished), Count(FlowEnrollmentState.Exited)),
            atSteps, onOlder);
    }

    /// <summary>The e-mail templates and segments the editor's pickers offer.</summary>
    public async Task<FlowChoices> ChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var templates = await db.EmailTemplates.AsNoTracking().OrderBy(t => t.Name).Select(t => new FlowChoice(t.Id, t.Name)).ToListAsync(ct);
        var segments = await db.Segments.AsNoTracking().Where(s => s.Kind == Domain.Segments.SegmentKind.Rule).OrderBy(s => s.Name)
            .Select(s => new FlowSegmentChoice(s.Id, s.Name, s.RuleJson)).ToListAsync(ct);
        return new FlowChoices(templates, segments);
    }

    /// <summary>A new draft flow, version 1: from a ready-made flow (its e-mails created if missing) or from <see cref="Starter"/>.</summary>
    public async Task<FlowChange> CreateAsync(string? name, string? readyMadeKey, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var readyMade = ReadyMadeFlows.Find(readyMadeKey);
        if (!string.IsNullOrWhiteSpace(readyMadeKey) && readyMade is null)
        {
            return FlowChange.Refused($"There is no ready-made flow “{readyMadeKey}”; choose one of: {string.Join(", ", ReadyMadeFlows.All.Select(f => f.Key))}.");
        }

        var now = Now;
        var actor = await user.NameAsync();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var definition = readyMade is null ? Starter : await ReadyMadeFlows.BuildAsync(db, readyMade.Key, actor, now, ct);
        var flow = new Flow
        {
            Name = Clip(string.IsNullOrWhiteSpace(name) ? readyMade?.Name ?? "New flow" : name.Trim(), Domain.Limits.Title),
            Description = readyMade?.Description,
            Status = FlowStatus.Draft,
            StartedFrom = readyMade?.Key,
            CreatedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Flows.Add(flow);
        await db.SaveChangesAsync(ct);
        db.FlowVersions.Add(new FlowVersion { FlowId = flow.Id, Number = 1, DefinitionJson = FlowDefinitionJson.Serialize(definition), CreatedAt = now, CreatedBy = actor });
        Audit(db, actor, CreatedAction, flow.Id, new { readyMade = readyMade?.Key });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return FlowChange.Done(flow.Id);
    }

    /// <summary>Saves the draft's steps from JSON (the API's form); see <see cref="SaveDraftAsync(int, FlowDefinition, CancellationToken)"/>.</summary>
    public async Task<FlowChange> SaveDraftAsync(int id, string? definitionJson, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var parsed = FlowDefinitionJson.Parse(definitionJson);
        return parsed.Definition is { } definition ? await SaveDraftAsync(id, definition, ct) : FlowChange.Refused(parsed.Error!);
    }

    /// <summary>
    /// Saves the draft's steps, checked as Publish would check them. A live or paused flow without a draft gets a new draft
    /// version (copied numbering on); the live version is never changed, because customers inside are walking it.
    /// </summary>
    public async Task<FlowChange> SaveDraftAsync(int id, FlowDefinition definition, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (flow.Status == FlowStatus.Archived)
        {
            return FlowChange.Refused("An archived flow cannot be changed; start a new flow instead.");
        }

        if (await ProblemAsync(db, definition, ct) is { } problem)
        {
            return FlowChange.Refused(problem);
        }

        var actor = await user.NameAsync();
        var draft = await DraftOrNewAsync(db, flow, actor, ct);
        draft.DefinitionJson = FlowDefinitionJson.Serialize(definition);
        flow.UpdatedAt = Now;
        Audit(db, actor, DraftSavedAction, id, new { version = draft.Number });
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id);
    }

    /// <summary>Starts editing a live or paused flow: a new draft version, a copy of the live one (nothing changes for customers until it is published).</summary>
    public async Task<FlowChange> EditLiveAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (flow.Status == FlowStatus.Archived)
        {
            return FlowChange.Refused("An archived flow cannot be changed; start a new flow instead.");
        }

        await DraftOrNewAsync(db, flow, await user.NameAsync(), ct);
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id);
    }

    /// <summary>
    /// Switches the draft version on: checked again, it becomes the live version (new customers enter it), and each of its
    /// send steps gets its campaign, launched (Sending) the way every campaign is, so the send pipeline mails what the engine
    /// queues. Customers already inside stay on their version, and so do its campaigns.
    /// </summary>
    public async Task<FlowChange> PublishAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        switch (flow.Status)
        {
            case FlowStatus.Archived:
                return FlowChange.Refused("An archived flow cannot be switched on again; start a new flow instead.");
            case FlowStatus.Paused:
                return FlowChange.Refused("The flow is paused: resume it first, then publish the new version.");
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

        var now = Now;
        var actor = await user.NameAsync();
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
        flow.Status = FlowStatus.Live;
        flow.LiveSince ??= now;
        flow.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        Audit(db, actor, PublishedAction, id, new { version = draft.Number, previousVersionId = previous });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return FlowChange.Done(id);
    }

    /// <summary>Nobody new enters and nobody moves on; the flow's step campaigns pause too, so nothing queued leaves.</summary>
    public Task<FlowChange> PauseAsync(int id, CancellationToken ct = default) => ChangeStatusAsync(id, FlowStatus.Live, FlowStatus.Paused, PausedAction,
        "Only a live flow can be paused.", async (db, campaign, _) => await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Pause, ct), ct);

    /// <summary>
    /// Live again, and the step campaigns the pause stopped send again. A step campaign that paused itself (too many bounces
    /// or complaints) stays paused: resuming that is a decision about that step, made on its own page.
    /// </summary>
    public Task<FlowChange> ResumeAsync(int id, CancellationToken ct = default) => ChangeStatusAsync(id, FlowStatus.Paused, FlowStatus.Live, ResumedAction,
        "Only a paused flow can be resumed.", async (db, campaign, now) => !campaign.IsAutoPaused && await AutomaticPauses.ResumeAsync(db, campaign.Id, now, ct), ct);

    /// <summary>
    /// Switched off for good: its step campaigns are cancelled (mail not yet handed to a worker is not sent), the engine takes
    /// those inside out, and the flow stays for its reports.
    /// </summary>
    public Task<FlowChange> ArchiveAsync(int id, CancellationToken ct = default) => ChangeStatusAsync(id, null, FlowStatus.Archived, ArchivedAction,
        "The flow is already archived.", async (db, campaign, _) =>
        {
            if (!await CampaignMoves.TryAsync(db, campaign.Id, CampaignLifecycle.Cancel, ct))
            {
                return false;
            }

            await CampaignCommands.CancelQueuedAsync(db, campaign.Id, ct);
            return true;
        }, ct);

    /// <summary>Deletes a flow that was never switched on (a live one is archived instead: its sends stay in the reports).</summary>
    public async Task<FlowChange> DeleteDraftAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if (flow.LiveVersionId is not null || flow.Status != FlowStatus.Draft)
        {
            return FlowChange.Refused("This flow has been live: archive it instead, so its sends stay in the reports.");
        }

        db.Flows.Remove(flow);
        Audit(db, await user.NameAsync(), DeletedAction, id, new { flow.Name });
        await db.SaveChangesAsync(ct);
        return FlowChange.Done(id);
    }

    /// <summary>What stops the definition from going live that JSON alone cannot tell: templates and segments that do not exist.</summary>
    private static async Task<string?> ProblemAsync(AppDbContext db, FlowDefinition definition, CancellationToken ct)
    {
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

        return null;
    }

    private async Task<FlowVersion> DraftOrNewAsync(AppDbContext db, Flow flow, string actor, CancellationToken ct)
    {
        var versions = await db.FlowVersions.Where(v => v.FlowId == flow.Id).OrderByDescending(v => v.Number).ToListAsync(ct);
        if (versions.FirstOrDefault(v => v.PublishedAt is null) is { } draft)
        {
            return draft;
        }

        var from = versions.FirstOrDefault(v => v.Id == flow.LiveVersionId) ?? versions.First();
        var copy = new FlowVersion { FlowId = flow.Id, Number = versions[0].Number + 1, DefinitionJson = from.DefinitionJson, CreatedAt = Now, CreatedBy = actor };
        db.FlowVersions.Add(copy);
        return copy;
    }

    private async Task<FlowChange> ChangeStatusAsync(int id, FlowStatus? from, FlowStatus to, string action, string refusal,
        Func<AppDbContext, Campaign, DateTime, Task<bool>> moveCampaign, CancellationToken ct)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, ct);
        if (flow is null)
        {
            return FlowChange.Missing;
        }

        if ((from is { } required && flow.Status != required) || flow.Status == to || (to == FlowStatus.Archived && flow.LiveVersionId is null))
        {
            return FlowChange.Refused(to == FlowStatus.Archived && flow.LiveVersionId is null ? "This flow was never live: delete it instead." : refusal);
        }

        var now = Now;
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == id).ToListAsync(ct);
        var moved = 0;
        foreach (var campaign in campaigns)
        {
            moved += await moveCampaign(db, campaign, now) ? 1 : 0;
        }

        flow.Status = to;
        flow.UpdatedAt = now;
        Audit(db, await user.NameAsync(), action, id, new { campaignsMoved = moved });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return FlowChange.Done(id);
    }

    private void Audit(AppDbContext db, string actor, string action, int flowId, object details) => db.AuditEntries.Add(new AuditEntry
    {
        At = Now,
        Actor = actor,
        Action = action,
        EntityType = nameof(Flow),
        EntityId = flowId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        DetailsJson = JsonSerializer.Serialize(details),
    });

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>What a lifecycle call did: done, refused with the reason in words, or the flow does not exist.</summary>
public sealed record FlowChange(int? FlowId, string? Problem, bool NotFound = false)
{
    public static FlowChange Missing { get; } = new(null, "There is no such flow.", NotFound: true);

    public bool Succeeded => Problem is null;

    public static FlowChange Done(int id) => new(id, null);

    public static FlowChange Refused(string problem) => new(null, problem);
}

public sealed record FlowListItem(int Id, string Name, [property: System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FlowStatus>))] FlowStatus Status, string Trigger, int Active, int Entered, int Finished, int Exited, string? StartedFrom, DateTime UpdatedAt);

public sealed record FlowCounts(int Active, int Entered, int Finished, int Exited);

/// <summary>The flow, the version shown (<see cref="Shown"/>: the draft if any, else the live one) and its live counts.</summary>
public sealed record FlowDetail(Flow Flow, FlowVersion Shown, FlowVersion? Live, FlowVersion? Draft, FlowDefinition? Definition, FlowCounts Counts,
    IReadOnlyDictionary<string, int> WaitingAtStep, int OnOlderVersions)
{
    /// <summary>The shown version can be edited: it is a draft and the flow is not archived.</summary>
    public bool IsEditable => Shown.PublishedAt is null && Flow.Status != FlowStatus.Archived;
}

public sealed record FlowChoice(int Id, string Name);

public sealed record FlowSegmentChoice(int Id, string Name, string? RuleJson);

public sealed record FlowChoices(IReadOnlyList<FlowChoice> Templates, IReadOnlyList<FlowSegmentChoice> Segments);
