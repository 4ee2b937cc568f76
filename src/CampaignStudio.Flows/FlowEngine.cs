using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Segments;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows;

/// <summary>
/// Moves customers through live flows (docs/decisions/053-flows.md): reads new events and purchases after a cursor kept in
/// the database (entering customers, taking them out on the goal, ending waits for an event), enters customers from
/// segment and date triggers, and runs due customers' steps in batches — what the steps need read set-based for the whole
/// batch, the batch's visits, messages and moves written in one transaction, so a crash repeats a batch whole or not at all.
/// </summary>
public sealed class FlowEngine(IDbContextFactory<AppDbContext> dbFactory, FlowEngineOptions options, TimeProvider clock, ILogger<FlowEngine> log)
{
    public const string EventCursorKey = "Flows:Engine:EventCursor";
    public const string PurchaseCursorKey = "Flows:Engine:PurchaseCursor";

    /// <summary>Branch names recorded on visits of a wait for an event and of a condition split.</summary>
    public const string Happened = "happened";

    public const string TimedOut = "timedOut";
    public const string Yes = "yes";
    public const string No = "no";

    public const string NotMailableNote = "Not mailable: no e-mail consent, the address is suppressed or missing.";
    public const string NoCampaignNote = "The step has no campaign to send with: publish the flow again.";
    public const string PausedStepNote = "The step is paused: nobody is mailed or held out until it is resumed.";

    // Versions never change once published, so their parsed steps are kept for the life of the process.
    private readonly ConcurrentDictionary<int, FlowMap?> _maps = new();
    private DateTime _triggersCheckedAt = DateTime.MinValue;

    public string WorkerId { get; } = options.ResolveWorkerId();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>One pass of everything; returns how much work it did (0: nothing to do).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var work = await ReadEventsAsync(ct) + await ReadPurchasesAsync(ct);
        if (Now - _triggersCheckedAt >= options.TriggerCheckInterval)
        {
            _triggersCheckedAt = Now;
            work += await EnterFromSegmentsAsync(ct) + await EnterFromDatesAsync(ct) + await CheckStepHealthAsync(ct);
        }

        return work + await RunDueAsync(ct);
    }

    /// <summary>Pauses send steps that harm or do nothing against their holdout (<see cref="FlowStepHealth"/>).</summary>
    internal async Task<int> CheckStepHealthAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var paused = await FlowStepHealth.CheckAsync(db, Now, ct: ct);
        if (paused > 0)
        {
            log.LogWarning("{Count} flow send step(s) paused themselves against their holdout", paused);
        }

        return paused;
    }

    // ---- Events ------------------------------------------------------------------------------------------------------

    /// <summary>A customer event or a purchase, as the flows see it.</summary>
    private sealed record FlowEvent(long? EventId, long CustomerId, string Type, DateTime At, string? PropertiesJson);

    /// <summary>Reads the next events after the cursor; the cursor moves in the same transaction as what they caused.</summary>
    internal async Task<int> ReadEventsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var cursor = await CursorAsync(db, EventCursorKey, ct);
        var events = await db.CustomerEvents.AsNoTracking().Where(e => e.Id > cursor).OrderBy(e => e.Id).Take(options.EventBatchSize)
            .Select(e => new { e.Id, e.CustomerId, e.Type, e.OccurredAt, e.PropertiesJson }).ToListAsync(ct);
        if (events.Count == 0)
        {
            return 0;
        }

        await ApplyAsync(db, events.Select(e => new FlowEvent(e.Id, e.CustomerId, e.Type, e.OccurredAt, e.PropertiesJson)).ToList(), ct);
        await SetCursorAsync(db, EventCursorKey, events[^1].Id, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return events.Count;
    }

    /// <summary>Reads the next purchases after their own cursor: each counts as an <see cref="EventMatch.Purchase"/> event.</summary>
    internal async Task<int> ReadPurchasesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var cursor = await CursorAsync(db, PurchaseCursorKey, ct);
        var purchases = await db.Purchases.AsNoTracking().Where(p => p.Id > cursor).OrderBy(p => p.Id).Take(options.EventBatchSize)
            .Select(p => new { p.Id, p.CustomerId, p.OrderId, p.Amount, p.Currency, p.Category, p.Product, p.PurchasedAt }).ToListAsync(ct);
        if (purchases.Count == 0)
        {
            return 0;
        }

        await ApplyAsync(db, purchases.Select(p => new FlowEvent(null, p.CustomerId, EventMatch.Purchase, p.PurchasedAt,
            JsonSerializer.Serialize(new { orderId = p.OrderId, amount = p.Amount, currency = p.Currency, category = p.Category, product = p.Product }))).ToList(), ct);
        await SetCursorAsync(db, PurchaseCursorKey, purchases[^1].Id, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return purchases.Count;
    }

    private async Task ApplyAsync(AppDbContext db, List<FlowEvent> events, CancellationToken ct)
    {
        var now = Now;
        var live = await LiveFlowsAsync(db, ct);
        var customerIds = events.Select(e => e.CustomerId).Distinct().ToList();
        var active = new List<FlowEnrollment>();
        var history = new Dictionary<(int Flow, long Customer), (int Last, DateTime LastAt, bool Active)>();
        foreach (var chunk in customerIds.Chunk(500))
        {
            active.AddRange(await db.FlowEnrollments.Where(e => chunk.Contains(e.CustomerId) && e.State == FlowEnrollmentState.Active).ToListAsync(ct));
            if (live.Any(f => f.Map.Definition.Trigger is EventTrigger))
            {
                foreach (var h in await db.FlowEnrollments.AsNoTracking().Where(e => chunk.Contains(e.CustomerId))
                             .GroupBy(e => new { e.FlowId, e.CustomerId })
                             .Select(g => new { g.Key.FlowId, g.Key.CustomerId, Last = g.Max(e => e.EntryNumber), LastAt = g.Max(e => e.EnteredAt),
                                 Active = g.Any(e => e.State == FlowEnrollmentState.Active) })
                             .ToListAsync(ct))
                {
                    history[(h.FlowId, h.CustomerId)] = (h.Last, h.LastAt, h.Active);
                }
            }
        }

        var byCustomer = active.GroupBy(e => e.CustomerId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var ev in events)
        {
            // Those already inside first: an order that enters a customer into a post-purchase flow is not that trip's goal.
            var inside = byCustomer.GetValueOrDefault(ev.CustomerId) ?? [];
            if (inside.Any(e => e.Id == 0))
            {
                // A trip this batch began is written before a later event of the batch (the goal, the awaited event)
                // records a visit against its id; one write per such customer, not one per event.
                await db.SaveChangesAsync(ct);
            }

            foreach (var enrollment in inside)
            {
                if (enrollment.State == FlowEnrollmentState.Active && await MapAsync(db, enrollment.FlowVersionId, ct) is { } map)
                {
                    React(db, enrollment, map, ev, now);
                }
            }

            var entered = new List<FlowEnrollment>();
            foreach (var (flow, map) in live)
            {
                if (map.Definition.Trigger is EventTrigger trigger && ev.At >= flow.LiveSince
                    && EventMatching.Matches(trigger.Event, ev.Type, ev.PropertiesJson)
                    && EntryNumber(map.Definition.Entry, history.TryGetValue((flow.Id, ev.CustomerId), out var h) ? h : null, now) is { } entry)
                {
                    var enrollment = Enroll(db, flow, map, ev.CustomerId, entry, ev.EventId, now);
                    history[(flow.Id, ev.CustomerId)] = (entry, now, true);
                    entered.Add(enrollment);
                }
            }

            if (entered.Count > 0)
            {
                if (!byCustomer.TryGetValue(ev.CustomerId, out var list))
                {
                    byCustomer[ev.CustomerId] = list = [];
                }

                list.AddRange(entered);
            }
        }
    }

    /// <summary>An event for a customer inside a flow: the goal takes them out; the event a wait watches ends the wait.</summary>
    private static void React(AppDbContext db, FlowEnrollment enrollment, FlowMap map, FlowEvent ev, DateTime now)
    {
        if (map.Definition.Goal is { ExitOnGoal: true } goal && ev.At >= enrollment.EnteredAt
            && EventMatching.Matches(goal.Event, ev.Type, ev.PropertiesJson))
        {
            Exit(db, enrollment, FlowExitReason.Goal, now, "The goal happened.");
            return;
        }

        if (enrollment.WaitingForEvent is not null && enrollment.StepId is { } stepId && map.Step(stepId) is WaitForEventStep wait
            && enrollment.StepEnteredAt is { } since && ev.At >= since && EventMatching.Matches(wait.Event, ev.Type, ev.PropertiesJson))
        {
            Visit(db, enrollment, wait.Id, FlowStepOutcome.Passed, now, branch: Happened);
            Enter(enrollment, FlowMap.FirstOf(wait.Happened), now);
        }
    }

    /// <summary>The entry number a customer gets now, by the entry rule; null when they may not enter (again).</summary>
    private static int? EntryNumber(FlowEntryRule rule, (int Last, DateTime LastAt, bool Active)? before, DateTime now) => before switch
    {
        null => 1,

        // Not while the last trip is still going, and only once the rule's days have passed since it began.
        { Active: false } b when rule.AgainAfterDays is { } days && now - b.LastAt >= TimeSpan.FromDays(days) => b.Last + 1,
        _ => null,
    };

    private static FlowEnrollment Enroll(AppDbContext db, Flow flow, FlowMap map, long customerId, int entry, long? eventId, DateTime now)
    {
        var enrollment = new FlowEnrollment
        {
            FlowId = flow.Id, FlowVersionId = flow.LiveVersionId!.Value, CustomerId = customerId, EntryNumber = entry, TriggerEventId = eventId,
            EnteredAt = now, State = FlowEnrollmentState.Active,
        };
        Enter(enrollment, map.First, now);
        db.FlowEnrollments.Add(enrollment);
        return enrollment;
    }

    // ---- Segment-entry triggers --------------------------------------------------------------------------------------

    /// <summary>The settings key naming the snapshot segment of those who were members when the flow went live.</summary>
    internal static string BaselineKey(Flow flow) =>
        $"Flows:Engine:SegmentBaseline:{flow.Id}:{flow.LiveSince?.Ticks.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Members of the segment who may enter by the entry rule enter. Without <see cref="SegmentEntryTrigger.IncludeCurrentMembers"/>
    /// the first pass after the flow went live only freezes the members it finds (a snapshot segment, like a campaign's
    /// audience at launch) and they never enter: the flow is for those who join from then on.
    /// </summary>
    internal async Task<int> EnterFromSegmentsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entered = 0;
        foreach (var (flow, map) in (await LiveFlowsAsync(db, ct)).Where(f => f.Map.Definition.Trigger is SegmentEntryTrigger))
        {
            var trigger = (SegmentEntryTrigger)map.Definition.Trigger;
            try
            {
                entered += await EnterFromSegmentAsync(db, flow, map, trigger, ct);
            }
            catch (SegmentRuleException ex)
            {
                log.LogWarning("Flow {FlowId}: its segment cannot be used: {Reason}", flow.Id, ex.Message);
            }
        }

        return entered;
    }

    private async Task<int> EnterFromSegmentAsync(AppDbContext db, Flow flow, FlowMap map, SegmentEntryTrigger trigger, CancellationToken ct)
    {
        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var members = await SegmentMembership.MemberIdsAsync(db, trigger.SegmentId, clock, ct);
        int? baseline = null;
        if (!trigger.IncludeCurrentMembers)
        {
            var key = BaselineKey(flow);
            var stored = await db.Settings.AsNoTracking().Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync(ct);
            if (stored is null)
            {
                var snapshot = new Domain.Segments.Segment
                {
                    Name = $"{flow.Name}: members when the flow went live", Kind = Domain.Segments.SegmentKind.Snapshot, SourceSegmentId = trigger.SegmentId,
                    CreatedBy = "flow engine", CreatedAt = now, UpdatedAt = now,
                };
                db.Segments.Add(snapshot);
                await db.SaveChangesAsync(ct);
                var ids = await members.ToListAsync(ct);
                db.SegmentMembers.AddRange(ids.Select(id => new Domain.Segments.SegmentMember { SegmentId = snapshot.Id, CustomerId = id }));
                snapshot.MemberCount = ids.Count;
                snapshot.CountedAt = now;
                db.Settings.Add(new StudioSetting { Key = key, Value = snapshot.Id.ToString(CultureInfo.InvariantCulture), UpdatedAt = now });
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return 0;
            }

            baseline = int.Parse(stored, CultureInfo.InvariantCulture);
        }

        var flowId = flow.Id;
        // A trip entered after the cutoff (any trip, without "again after N days") keeps the customer out.
        var cutoff = map.Definition.Entry.AgainAfterDays is { } days ? now.AddDays(-days) : DateTime.MinValue;
        var candidates = await members
            .Where(id => baseline == null || !db.SegmentMembers.Any(m => m.SegmentId == baseline && m.CustomerId == id))
            .Where(id => !db.FlowEnrollments.Any(e => e.FlowId == flowId && e.CustomerId == id && (e.State == FlowEnrollmentState.Active || e.EnteredAt > cutoff)))
            .ToListAsync(ct);
        foreach (var chunk in candidates.Chunk(500))
        {
            var last = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flowId && chunk.Contains(e.CustomerId))
                .GroupBy(e => e.CustomerId).Select(g => new { g.Key, Last = g.Max(e => e.EntryNumber) }).ToDictionaryAsync(x => x.Key, x => x.Last, ct);
            foreach (var id in chunk)
            {
                Enroll(db, flow, map, id, last.GetValueOrDefault(id) + 1, null, now);
            }

            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return candidates.Count;
    }

    // ---- Date triggers -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Customers whose date (an attribute holding yyyy-MM-dd or MM-dd, or the day they became a customer) plus the offset is
    /// today in their own time zone, once the local time of day has passed; at most once a year (the last entry must be more
    /// than 300 days ago), whatever the entry rule says.
    /// </summary>
    internal async Task<int> EnterFromDatesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flows = (await LiveFlowsAsync(db, ct)).Where(f => f.Map.Definition.Trigger is DateTrigger).ToList();
        if (flows.Count == 0)
        {
            return 0;
        }

        var rules = await SendingRulesStore.ReadAsync(db, ct);
        var now = Now;
        var entered = 0;
        foreach (var (flow, map) in flows)
        {
            var trigger = (DateTrigger)map.Definition.Trigger;
            FlowDefinitionJson.TryLocalTime(trigger.AtLocalTime, out var at);
            var recent = now.AddDays(-300);
            var last = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flow.Id)
                .GroupBy(e => e.CustomerId).Select(g => new { CustomerId = g.Key, Last = g.Max(e => e.EntryNumber), LastAt = g.Max(e => e.EnteredAt) })
                .ToDictionaryAsync(x => x.CustomerId, ct);
            var field = trigger.DateField;
            var candidates = db.Customers.AsNoTracking().Mailable();
            await foreach (var c in candidates.Select(c => new { c.Id, c.TimeZone, c.CreatedAt, c.Attributes }).AsAsyncEnumerable().WithCancellation(ct))
            {
                if (last.TryGetValue(c.Id, out var l) && l.LastAt > recent)
                {
                    continue;
                }

                // The customer's own calendar decides the day, also for created_at: 23:30 UTC is already tomorrow in Berlin.
                var zone = LocalTimes.Zone(c.TimeZone, rules.DefaultTimeZone);
                var date = field == DateTrigger.CustomerSince
                    ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(c.CreatedAt, DateTimeKind.Utc), zone))
                    : DateAnniversaries.Read(c.Attributes?.GetValueOrDefault(field));
                if (date is null || !DateAnniversaries.IsDue(date.Value, TimeZoneInfo.ConvertTimeFromUtc(now, zone), trigger.OffsetDays, at))
                {
                    continue;
                }

                Enroll(db, flow, map, c.Id, (l?.Last ?? 0) + 1, null, now);
                entered++;
            }

            await db.SaveChangesAsync(ct);
        }

        return entered;
    }

    // ---- Due customers -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Leases a batch of due customers (and those of archived flows) and runs their steps together — everything the steps
    /// need read set-based, one query per kind for the whole batch, and written in one transaction; returns how many ran.
    /// </summary>
    internal async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = Now;
        List<long> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Paused flows' customers stay where they are; an archived flow's customers leave at once, due or not.
            var candidates = await db.FlowEnrollments.AsNoTracking()
                .Where(e => e.State == FlowEnrollmentState.Active && (e.LeaseUntil == null || e.LeaseUntil < now))
                .Where(e => db.Flows.Any(f => f.Id == e.FlowId
                    && ((f.Status == FlowStatus.Live && e.DueAt <= now) || f.Status == FlowStatus.Archived)))
                .OrderBy(e => e.DueAt).Take(options.BatchSize).Select(e => e.Id).ToListAsync(ct);
            if (candidates.Count == 0)
            {
                return 0;
            }

            var until = now + options.Lease;
            var owner = WorkerId;
            await db.FlowEnrollments.Where(e => candidates.Contains(e.Id) && (e.LeaseUntil == null || e.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.LeaseOwner, owner).SetProperty(e => e.LeaseUntil, until), ct);
            ids = await db.FlowEnrollments.AsNoTracking().Where(e => candidates.Contains(e.Id) && e.LeaseOwner == owner).Select(e => e.Id).ToListAsync(ct);
        }

        try
        {
            await RunBatchAsync(ids, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ids.Count > 1)
        {
            // One customer the batch cannot move (a broken rule, a row another writer changed) must not hold up the others:
            // the batch is redone one customer at a time, and only that one waits for its lease to run out.
            log.LogWarning(ex, "A batch of {Count} flow customers failed; moving them one at a time", ids.Count);
            foreach (var id in ids)
            {
                try
                {
                    await RunBatchAsync([id], ct);
                }
                catch (Exception one) when (one is not OperationCanceledException)
                {
                    log.LogError(one, "Flow enrollment {EnrollmentId} could not be moved; it is tried again when its lease runs out", id);
                }
            }
        }

        return ids.Count;
    }

    /// <summary>A send step's campaign as a pass sees it: a paused one (by a person or by itself) mails nobody.</summary>
    private sealed record StepCampaign(int Id, CampaignStatus Status, string? Reason);

    /// <summary>
    /// What a batch reads once, set-based, before its customers' steps run in memory: the sending rules, each customer's
    /// time zone, who may be mailed, the frequency-cap counts (with the mail this batch queues added as it goes), each send
    /// step's campaign, the answers of condition splits and the customers an attribute step changes.
    /// </summary>
    private sealed class Batch(SendingRules rules)
    {
        public SendingRules Rules { get; } = rules;

        public Dictionary<long, string?> TimeZones { get; init; } = [];

        public HashSet<long> Mailable { get; init; } = [];

        public Dictionary<long, FrequencyCap.MailCounts> MailCounts { get; init; } = [];

        public Dictionary<(int Version, string Step), StepCampaign> Campaigns { get; init; } = [];

        /// <summary>Customers who meet a condition split's rule, by version and step.</summary>
        public Dictionary<(int Version, string Step), HashSet<long>> ConditionYes { get; } = [];

        /// <summary>Customers loaded for change by an attribute step.</summary>
        public Dictionary<long, Domain.Customers.Customer> Customers { get; } = [];

        /// <summary>Messages queued by this batch, with the visit that names each once the message has its id.</summary>
        public List<(FlowEnrollment Enrollment, string StepId, Message Message)> Sent { get; } = [];

        public TimeZoneInfo Zone(long customerId) => LocalTimes.Zone(TimeZones.GetValueOrDefault(customerId), Rules.DefaultTimeZone);
    }

    /// <summary>
    /// The leased customers' runs, all in one transaction: steps until a wait or the end, moved in rounds of one step each so
    /// what a step needs is read for every customer at that kind of step at once; then the leases are released.
    /// </summary>
    private async Task RunBatchAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var owner = WorkerId;
        var enrollments = await db.FlowEnrollments.Where(e => ids.Contains(e.Id) && e.LeaseOwner == owner && e.State == FlowEnrollmentState.Active)
            .ToListAsync(ct);
        if (enrollments.Count == 0)
        {
            return;
        }

        var now = Now;
        var flowIds = enrollments.Select(e => e.FlowId).Distinct().ToList();
        var statuses = await db.Flows.AsNoTracking().Where(f => flowIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, f => f.Status, ct);
        var moving = new List<(FlowEnrollment Enrollment, FlowMap Map)>();
        foreach (var enrollment in enrollments)
        {
            var status = statuses.GetValueOrDefault(enrollment.FlowId);
            if (status == FlowStatus.Archived)
            {
                Exit(db, enrollment, FlowExitReason.FlowArchived, now, "The flow was archived.");
            }
            else if (status == FlowStatus.Live)
            {
                if (await MapAsync(db, enrollment.FlowVersionId, ct) is { } map)
                {
                    moving.Add((enrollment, map));
                }
                else
                {
                    Exit(db, enrollment, FlowExitReason.StepRemoved, now, "The flow version cannot be read.");
                }
            }
        }

        var sent = new List<(FlowEnrollment Enrollment, string StepId, Message Message)>();
        if (moving.Count > 0)
        {
            var batch = await ReadBatchAsync(db, moving.Select(m => m.Enrollment).ToList(), now, ct);

            // A tree has no loops, so a run visits each step at most once; the bound only guards against a bug.
            for (var guard = 0; guard <= FlowDefinitionJson.MaxSteps && moving.Count > 0; guard++)
            {
                var here = new List<(FlowEnrollment Enrollment, FlowMap Map, FlowStep Step)>(moving.Count);
                foreach (var (enrollment, map) in moving)
                {
                    if (enrollment.StepId is { } stepId && map.Step(stepId) is { } step)
                    {
                        here.Add((enrollment, map, step));
                    }
                    else
                    {
                        Exit(db, enrollment, FlowExitReason.StepRemoved, now, "The step they were at no longer exists.", visit: false);
                    }
                }

                await ReadRoundAsync(db, batch, here, ct);
                moving = here.Where(h => Step(db, batch, h.Enrollment, h.Map, h.Step, now)).Select(h => (h.Enrollment, h.Map)).ToList();
            }

            sent = batch.Sent;
        }

        foreach (var enrollment in enrollments)
        {
            enrollment.LeaseOwner = null;
            enrollment.LeaseUntil = null;
        }

        await db.SaveChangesAsync(ct);
        if (sent.Count > 0)
        {
            // A message has its id only once written, so the visits naming their message follow it in the same transaction.
            foreach (var (enrollment, stepId, message) in sent)
            {
                Visit(db, enrollment, stepId, FlowStepOutcome.Sent, now, messageId: message.Id);
            }

            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>What every send step of the batch may need, one query per kind for all its customers.</summary>
    private static async Task<Batch> ReadBatchAsync(AppDbContext db, List<FlowEnrollment> enrollments, DateTime now, CancellationToken ct)
    {
        var rules = await SendingRulesStore.ReadAsync(db, ct);
        var customerIds = enrollments.Select(e => e.CustomerId).Distinct().ToList();
        var versionIds = enrollments.Select(e => e.FlowVersionId).Distinct().ToList();
        var zones = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id)).Select(c => new { c.Id, c.TimeZone })
            .ToDictionaryAsync(c => c.Id, c => c.TimeZone, ct);
        var mailable = await db.Customers.AsNoTracking().Mailable().Where(c => customerIds.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowVersionId != null && versionIds.Contains(c.FlowVersionId.Value) && c.FlowStepId != null)
            .Select(c => new { Version = c.FlowVersionId!.Value, Step = c.FlowStepId!, Campaign = new StepCampaign(c.Id, c.Status, c.AutoPauseReason) })
            .ToListAsync(ct);
        return new Batch(rules)
        {
            TimeZones = zones,
            Mailable = [.. mailable],
            MailCounts = await FrequencyCap.CountsAsync(db, customerIds, rules, now, countQueued: true, ct),
            Campaigns = campaigns.ToDictionary(c => (c.Version, c.Step), c => c.Campaign),
        };
    }

    /// <summary>
    /// Before a round of steps: the answers of the condition splits customers stand at (one query per split step for all
    /// of them) and the customers an attribute step is about to change (one query).
    /// </summary>
    private async Task ReadRoundAsync(AppDbContext db, Batch batch, List<(FlowEnrollment Enrollment, FlowMap Map, FlowStep Step)> here, CancellationToken ct)
    {
        var splits = here.Where(h => h.Step is ConditionSplitStep).GroupBy(h => (h.Enrollment.FlowVersionId, h.Step.Id)).ToList();
        if (splits.Count > 0 && batch.Customers.Count > 0)
        {
            // Attributes set earlier in this batch are written first (inside the batch's transaction), so a split asks the
            // rule of the customer as the flow left them.
            await db.SaveChangesAsync(ct);
        }

        foreach (var split in splits)
        {
            // Both parts must hold: the segment rule (when set), then the offer's predicted gain (when set).
            var condition = (ConditionSplitStep)split.First().Step;
            var yes = split.Select(h => h.Enrollment.CustomerId).Distinct().ToList();
            if (condition.Rule is not null)
            {
                var customerIds = yes;
                var predicate = await new SegmentQueryCompiler(db, clock).CompileAsync(condition.Rule, ct: ct);
                yes = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id) && !c.IsErased).Where(predicate).Select(c => c.Id).ToListAsync(ct);
            }

            if (condition.OfferGain is { } offerGain && yes.Count > 0)
            {
                var pays = await OfferPaysAsync(db, offerGain, yes, ct);
                yes = yes.Where((_, i) => pays[i]).ToList();
            }

            batch.ConditionYes[split.Key] = [.. yes];
        }

        var updated = here.Where(h => h.Step is UpdateAttributeStep).Select(h => h.Enrollment.CustomerId).Where(id => !batch.Customers.ContainsKey(id)).Distinct().ToList();
        if (updated.Count > 0)
        {
            foreach (var customer in await db.Customers.Where(c => updated.Contains(c.Id)).ToListAsync(ct))
            {
                batch.Customers[customer.Id] = customer;
            }
        }
    }

    /// <summary>Does one step with what the batch read; true when the customer moved on and the next step runs now, false when they wait.</summary>
    private bool Step(AppDbContext db, Batch batch, FlowEnrollment enrollment, FlowMap map, FlowStep step, DateTime now)
    {
        // A step is "arrived at" when StepEnteredAt is null: waits then start; once set, the wait is over when due.
        var arrived = enrollment.StepEnteredAt is null;
        switch (step)
        {
            case WaitStep wait when arrived:
                return Hold(enrollment, now, now.AddMinutes(wait.Minutes));

            case WaitUntilTimeStep until when arrived:
                FlowDefinitionJson.TryLocalTime(until.LocalTime, out var at);
                return Hold(enrollment, now, LocalTimes.Next(now, batch.Zone(enrollment.CustomerId), at, until.Days));

            case WaitForEventStep waitFor when arrived:
                enrollment.WaitingForEvent = waitFor.Event.EventType;
                return Hold(enrollment, now, now.AddMinutes(waitFor.TimeoutMinutes));

            case WaitStep or WaitUntilTimeStep:
                return Pass(db, enrollment, map, step, now);

            case WaitForEventStep waitFor:
                Visit(db, enrollment, step.Id, FlowStepOutcome.Passed, now, branch: TimedOut);
                return Enter(enrollment, FlowMap.FirstOf(waitFor.TimedOut), now);

            case ConditionSplitStep condition:
                var yes = batch.ConditionYes.GetValueOrDefault((enrollment.FlowVersionId, step.Id))?.Contains(enrollment.CustomerId) == true;
                Visit(db, enrollment, step.Id, FlowStepOutcome.Passed, now, branch: yes ? Yes : No);
                return Enter(enrollment, FlowMap.FirstOf(yes ? condition.Yes : condition.No), now);

            case RandomSplitStep split:
                var arm = FlowDraws.Arm(split, enrollment.FlowId, enrollment.CustomerId, enrollment.EntryNumber);
                Visit(db, enrollment, step.Id, FlowStepOutcome.Passed, now, branch: arm.Label);
                return Enter(enrollment, FlowMap.FirstOf(arm.Steps), now);

            case SendEmailStep send:
                return Send(db, batch, enrollment, map, send, now);

            case UpdateAttributeStep update:
                if (batch.Customers.GetValueOrDefault(enrollment.CustomerId) is { IsErased: false } customer)
                {
                    // A new dictionary, so EF sees the JSON column change.
                    customer.Attributes = new Dictionary<string, string>(customer.Attributes) { [update.Attribute] = update.Value };
                    customer.UpdatedAt = now;
                }

                return Pass(db, enrollment, map, step, now);

            case ExitStep:
                Exit(db, enrollment, FlowExitReason.ExitStep, now, null);
                return false;

            default:
                return Pass(db, enrollment, map, step, now);
        }
    }

    /// <summary>
    /// The "offer pays" condition for many customers at once, in one query: per customer (in the order given) whether the
    /// experiment's latest trained offer policy predicts a gain from the offer above the threshold. A customer it did not score
    /// has no prediction and gets false (the split's "no" branch).
    /// </summary>
    public static async Task<bool[]> OfferPaysAsync(AppDbContext db, OfferGainCondition condition, IReadOnlyList<long> customerIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(customerIds);
        var ids = customerIds.Distinct().ToList();
        var paying = ids.Count == 0 ? [] : (await db.PredictedOfferGains.AsNoTracking()
            .Where(g => g.ExperimentId == condition.ExperimentId && g.VariantId == condition.VariantId && ids.Contains(g.CustomerId) && g.Gain > condition.GainAbove)
            .Select(g => g.CustomerId).ToListAsync(ct)).ToHashSet();
        return customerIds.Select(paying.Contains).ToArray();
    }

    /// <summary>
    /// A send step, in this order: quiet hours (wait them out at the step), consent and suppression (leave the flow), the
    /// frequency cap (skip the mail, go on), the holdout (keep the mail back, go on), then the message queued to the step's
    /// campaign. The holdout is drawn last, among customers who would really get the mail, so sent and held-out compare like with like.
    /// </summary>
    private bool Send(AppDbContext db, Batch batch, FlowEnrollment enrollment, FlowMap map, SendEmailStep send, DateTime now)
    {
        var rules = batch.Rules;
        if (rules.HasQuietHours
            && LocalTimes.QuietUntil(now, batch.Zone(enrollment.CustomerId), rules.QuietFrom!.Value, rules.QuietUntil!.Value) is { } end)
        {
            return Hold(enrollment, now, end);
        }

        if (!batch.Mailable.Contains(enrollment.CustomerId))
        {
            Visit(db, enrollment, send.Id, FlowStepOutcome.Skipped, now, note: NotMailableNote);
            Exit(db, enrollment, FlowExitReason.NotMailable, now, null, visit: false);
            return false;
        }

        // The counts read for the batch plus the mail this batch already queued: two flows cannot both queue the day's one mail.
        var counts = batch.MailCounts.GetValueOrDefault(enrollment.CustomerId);
        if (FrequencyCap.Reason(counts, rules) is { } cap)
        {
            Visit(db, enrollment, send.Id, FlowStepOutcome.Skipped, now, note: cap);
            return Pass(db, enrollment, map, send, now, visit: false);
        }

        // The step's campaign is looked up before the draw: a missing or paused step passes customers by without drawing,
        // so the held-out side only grows while the mailed side can.
        if (batch.Campaigns.GetValueOrDefault((enrollment.FlowVersionId, send.Id)) is not { } campaign)
        {
            log.LogWarning("Flow {FlowId} version {VersionId}: send step {StepId} has no campaign", enrollment.FlowId, enrollment.FlowVersionId, send.Id);
            Visit(db, enrollment, send.Id, FlowStepOutcome.Skipped, now, note: NoCampaignNote);
            return Pass(db, enrollment, map, send, now, visit: false);
        }

        if (campaign.Status != CampaignStatus.Sending)
        {
            Visit(db, enrollment, send.Id, FlowStepOutcome.Skipped, now, note: Truncate(PausedStepNote + (campaign.Reason is { } why ? " " + why : ""), Domain.Limits.ShortText));
            return Pass(db, enrollment, map, send, now, visit: false);
        }

        if (FlowDraws.IsHeldOut(enrollment.FlowId, send.Id, enrollment.CustomerId, enrollment.EntryNumber, send.HoldoutPercent))
        {
            Visit(db, enrollment, send.Id, FlowStepOutcome.HeldOut, now);
            return Pass(db, enrollment, map, send, now, visit: false);
        }

        var message = new Message
        {
            CampaignId = campaign.Id, CustomerId = enrollment.CustomerId, EntryNumber = enrollment.EntryNumber, Status = MessageStatus.Queued, QueuedAt = now,
        };
        db.Messages.Add(message);
        batch.Sent.Add((enrollment, send.Id, message));
        if (rules.HasFrequencyCap)
        {
            batch.MailCounts[enrollment.CustomerId] = counts.PlusOne();
        }

        return Pass(db, enrollment, map, send, now, visit: false);
    }

    // ---- Moves -------------------------------------------------------------------------------------------------------

    /// <summary>Waits at the current step until <paramref name="until"/>.</summary>
    private static bool Hold(FlowEnrollment enrollment, DateTime now, DateTime until)
    {
        enrollment.StepEnteredAt ??= now;
        enrollment.DueAt = until;
        return false;
    }

    /// <summary>Records the step as passed and goes to the step after it (or finishes at the end of the branch).</summary>
    private static bool Pass(AppDbContext db, FlowEnrollment enrollment, FlowMap map, FlowStep step, DateTime now, bool visit = true)
    {
        if (visit)
        {
            Visit(db, enrollment, step.Id, FlowStepOutcome.Passed, now);
        }

        return Enter(enrollment, map.After(step.Id), now);
    }

    /// <summary>Puts the customer at the start of a step, due now; at the end of a branch (null) they finish.</summary>
    private static bool Enter(FlowEnrollment enrollment, string? stepId, DateTime now)
    {
        enrollment.WaitingForEvent = null;
        enrollment.StepEnteredAt = null;
        if (stepId is null)
        {
            enrollment.State = FlowEnrollmentState.Finished;
            enrollment.StepId = null;
            enrollment.DueAt = null;
            enrollment.ExitedAt = now;
            return false;
        }

        enrollment.StepId = stepId;
        enrollment.DueAt = now;
        return true;
    }

    private static void Exit(AppDbContext db, FlowEnrollment enrollment, FlowExitReason reason, DateTime now, string? note, bool visit = true)
    {
        if (visit && enrollment.StepId is { } stepId)
        {
            Visit(db, enrollment, stepId, FlowStepOutcome.Exited, now, note: note);
        }

        enrollment.State = FlowEnrollmentState.Exited;
        enrollment.ExitReason = reason;
        enrollment.ExitedAt = now;
        enrollment.StepId = null;
        enrollment.StepEnteredAt = null;
        enrollment.DueAt = null;
        enrollment.WaitingForEvent = null;
    }

    private static void Visit(AppDbContext db, FlowEnrollment enrollment, string stepId, FlowStepOutcome outcome, DateTime now, string? branch = null,
        long? messageId = null, string? note = null) =>
        db.FlowStepVisits.Add(new FlowStepVisit
        {
            EnrollmentId = enrollment.Id, FlowId = enrollment.FlowId, FlowVersionId = enrollment.FlowVersionId, StepId = stepId, CustomerId = enrollment.CustomerId,
            At = now, Outcome = outcome, Branch = branch, MessageId = messageId, Note = note,
        });

    // ---- Reading -----------------------------------------------------------------------------------------------------

    private async Task<List<(Flow Flow, FlowMap Map)>> LiveFlowsAsync(AppDbContext db, CancellationToken ct)
    {
        var flows = await db.Flows.AsNoTracking().Where(f => f.Status == FlowStatus.Live && f.LiveVersionId != null).ToListAsync(ct);
        var result = new List<(Flow, FlowMap)>(flows.Count);
        foreach (var flow in flows)
        {
            if (await MapAsync(db, flow.LiveVersionId!.Value, ct) is { } map)
            {
                result.Add((flow, map));
            }
        }

        return result;
    }

    private async Task<FlowMap?> MapAsync(AppDbContext db, int versionId, CancellationToken ct)
    {
        if (_maps.TryGetValue(versionId, out var cached))
        {
            return cached;
        }

        var json = await db.FlowVersions.AsNoTracking().Where(v => v.Id == versionId).Select(v => v.DefinitionJson).FirstOrDefaultAsync(ct);
        var parsed = FlowDefinitionJson.Parse(json);
        if (!parsed.IsValid)
        {
            log.LogError("Flow version {VersionId} cannot be read: {Error}", versionId, parsed.Error);
        }

        var map = parsed.Definition is { } definition ? new FlowMap(definition) : null;
        _maps[versionId] = map;
        return map;
    }

    private static async Task<long> CursorAsync(AppDbContext db, string key, CancellationToken ct) =>
        long.TryParse(await db.Settings.AsNoTracking().Where(s => s.Key == key).Select(s => s.Value).FirstOrDefaultAsync(ct),
            NumberStyles.Integer, CultureInfo.InvariantCulture, out var cursor) ? cursor : 0;

    private async Task SetCursorAsync(AppDbContext db, string key, long value, CancellationToken ct)
    {
        var row = await db.Settings.FirstOrDefaultAsync(s => s.Key == key, ct);
        if (row is null)
        {
            db.Settings.Add(row = new StudioSetting { Key = key });
        }

        row.Value = value.ToString(CultureInfo.InvariantCulture);
        row.UpdatedAt = Now;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
