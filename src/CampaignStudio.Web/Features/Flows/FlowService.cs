using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Flows;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Flows;

/// <summary>
/// The flow pages' and API's one service: lists and details shaped for the editor, and every lifecycle change — whose rules
/// live in <see cref="FlowChanges"/> (the Flows project, so any host can use them) — with the role check and the audit
/// entry. Admins and marketers change flows; managers read them (docs/decisions/053-flows.md, "Editor and lifecycle").
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

    /// <summary>Where a new flow from scratch starts (<see cref="FlowChanges.Starter"/>).</summary>
    public static FlowDefinition Starter => FlowChanges.Starter;

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

    /// <summary>The e-mail templates, segments and offers with predicted gains the editor's pickers offer.</summary>
    public async Task<FlowChoices> ChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var templates = await db.EmailTemplates.AsNoTracking().OrderBy(t => t.Name).Select(t => new FlowChoice(t.Id, t.Name)).ToListAsync(ct);
        var segments = await db.Segments.AsNoTracking().Where(s => s.Kind == Domain.Segments.SegmentKind.Rule).OrderBy(s => s.Name)
            .Select(s => new FlowSegmentChoice(s.Id, s.Name, s.RuleJson)).ToListAsync(ct);
        return new FlowChoices(templates, segments, await OfferGainChoices.ListAsync(db, ct));
    }

    /// <summary>
    /// The offers a condition split can ask "does it pay for this customer?" about: each offer of a trained offer policy with
    /// stored predictions, with how many customers it scored and how many it pays for (the editor's pick list and its API twin).
    /// </summary>
    public async Task<IReadOnlyList<OfferGainChoice>> OffersAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await OfferGainChoices.ListAsync(db, ct);
    }

    /// <summary>A new draft flow, version 1: from a ready-made flow (its e-mails created if missing) or from <see cref="Starter"/>.</summary>
    public Task<FlowChange> CreateAsync(string? name, string? readyMadeKey, CancellationToken ct = default) =>
        ChangeAsync(CreatedAction, (db, actor, now) => FlowChanges.CreateAsync(db, name, readyMadeKey, actor, now, ct), ct);

    /// <summary>Saves the draft's steps from JSON (the API's form); see <see cref="SaveDraftAsync(int, FlowDefinition, CancellationToken)"/>.</summary>
    public async Task<FlowChange> SaveDraftAsync(int id, string? definitionJson, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        var parsed = FlowDefinitionJson.Parse(definitionJson);
        return parsed.Definition is { } definition ? await SaveDraftAsync(id, definition, ct) : FlowChange.Refused(parsed.Error!);
    }

    /// <summary>Saves the draft's steps (<see cref="FlowChanges.SaveDraftAsync"/>): the live version is never changed.</summary>
    public Task<FlowChange> SaveDraftAsync(int id, FlowDefinition definition, CancellationToken ct = default) =>
        ChangeAsync(DraftSavedAction, (db, actor, now) => FlowChanges.SaveDraftAsync(db, id, definition, actor, now, ct), ct);

    /// <summary>Starts editing a live or paused flow: a new draft version, a copy of the live one (nothing changes for customers until it is published).</summary>
    public Task<FlowChange> EditLiveAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(action: null, (db, actor, now) => FlowChanges.EditLiveAsync(db, id, actor, now, ct), ct);

    /// <summary>Switches the draft version on; its send steps become Sending campaigns (<see cref="FlowChanges.PublishAsync"/>).</summary>
    public Task<FlowChange> PublishAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(PublishedAction, (db, actor, now) => FlowChanges.PublishAsync(db, id, actor, now, ct), ct);

    /// <summary>Nobody new enters and nobody moves on; the flow's step campaigns pause too, so nothing queued leaves.</summary>
    public Task<FlowChange> PauseAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(PausedAction, (db, _, now) => FlowChanges.PauseAsync(db, id, now, ct), ct);

    /// <summary>Live again; a step campaign that paused itself stays paused (<see cref="FlowChanges.ResumeAsync"/>).</summary>
    public Task<FlowChange> ResumeAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(ResumedAction, (db, _, now) => FlowChanges.ResumeAsync(db, id, now, ct), ct);

    /// <summary>Switched off for good: its step campaigns are cancelled, the engine takes those inside out, the flow stays for its reports.</summary>
    public Task<FlowChange> ArchiveAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(ArchivedAction, (db, _, now) => FlowChanges.ArchiveAsync(db, id, now, ct), ct);

    /// <summary>Deletes a flow that was never switched on (a live one is archived instead: its sends stay in the reports).</summary>
    public Task<FlowChange> DeleteDraftAsync(int id, CancellationToken ct = default) =>
        ChangeAsync(DeletedAction, (db, _, _) => FlowChanges.DeleteDraftAsync(db, id, ct), ct);

    /// <summary>
    /// Every change the same way: the role first, then the rule in one transaction with its audit entry (none for
    /// <paramref name="action"/> null); a refused change writes nothing.
    /// </summary>
    private async Task<FlowChange> ChangeAsync(string? action, Func<AppDbContext, string, DateTime, Task<FlowChange>> change, CancellationToken ct)
    {
        await user.RequireAsync(Policies.CanEdit);
        var actor = await user.NameAsync();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await change(db, actor, Now);
        if (!result.Succeeded)
        {
            return result;
        }

        if (action is not null)
        {
            Audit(db, actor, action, result.FlowId!.Value, result.Details ?? new { });
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return result;
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

/// <summary>The editor's pick lists; <see cref="Offers"/> are the offers of trained offer policies a condition split can ask about.</summary>
public sealed record FlowChoices(IReadOnlyList<FlowChoice> Templates, IReadOnlyList<FlowSegmentChoice> Segments, IReadOnlyList<OfferGainChoice>? Offers = null)
{
    /// <summary>The offer's name as the marketer knows it: “10 % off” (experiment “Spring offers”).</summary>
    public string? OfferName(OfferGainCondition condition) =>
        Offers?.FirstOrDefault(o => o.VariantId == condition.VariantId && o.ExperimentId == condition.ExperimentId) is { } o ? $"“{o.Offer}” (experiment “{o.Experiment}”)" : null;
}
