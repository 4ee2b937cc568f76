using System.Text.Json;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Exports;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Privacy;

/// <summary>
/// Privacy requests for one person: a copy of everything the studio holds about them, and erasure. Both leave an
/// audit entry without personal data in it. Role checks belong to the caller (Admin only in the studio).
/// </summary>
public sealed class CustomerPrivacy(IDbContextFactory<AppDbContext> dbFactory, AddressSuppression suppression, TimeProvider clock)
{
    public const string ExportedAction = "customer.privacy-export";
    public const string ErasedAction = "customer.erased";
    public const string ErasureNote = "Erased on request: personal data removed; the address is kept only as a suppression hash.";

    /// <summary>Everything about one customer, or null when there is no such customer. Logged in the audit log.</summary>
    public async Task<CustomerDataExport?> ExportAsync(long customerId, string actor, string format, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var c = await db.Customers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == customerId, ct);
        if (c is null)
        {
            return null;
        }

        var export = new CustomerDataExport(
            clock.GetUtcNow().UtcDateTime,
            new ExportedProfile(c.Id, c.ExternalId, c.Email, c.FirstName, c.LastName, c.Country, c.City, c.BirthYear, c.AgeBand, c.Gender,
                c.CreatedAt, c.UpdatedAt, c.EmailConsent, c.EmailConsentAt, c.IsErased, c.Attributes),
            await db.Purchases.AsNoTracking().Where(p => p.CustomerId == customerId).OrderBy(p => p.PurchasedAt).ThenBy(p => p.Id)
                .Select(p => new ExportedPurchase(p.Id, p.OrderId, p.Amount, p.Currency, p.Category, p.Product, p.PurchasedAt)).ToListAsync(ct),
            await db.CustomerEvents.AsNoTracking().Where(e => e.CustomerId == customerId).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)
                .Select(e => new ExportedEvent(e.Id, e.Type, e.OccurredAt, e.PropertiesJson, e.CampaignId)).ToListAsync(ct),
            await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == customerId).OrderBy(r => r.RecordedAt).ThenBy(r => r.Id)
                .Select(r => new ExportedConsent(r.Id, r.RecordedAt, r.Channel, r.Purpose, r.Status, r.Source, r.WordingVersion, r.Actor, r.IpAddress, r.CampaignId, r.Note))
                .ToListAsync(ct),
            await (from m in db.Messages.AsNoTracking()
                   where m.CustomerId == customerId
                   join k in db.Campaigns on m.CampaignId equals k.Id
                   orderby m.QueuedAt
                   select new { m.CampaignId, k.Name, m.Status, m.QueuedAt, m.SentAt, m.OpenedAt, m.ClickedAt }).ToListAsync(ct) is var messages
                ? messages.Select(m => new ExportedMessage(m.CampaignId, m.Name, m.Status.ToString(), m.QueuedAt, m.SentAt, m.OpenedAt, m.ClickedAt)).ToList()
                : [],
            await (from s in db.SegmentMembers.AsNoTracking()
                   where s.CustomerId == customerId
                   join g in db.Segments on s.SegmentId equals g.Id
                   orderby g.Name
                   select g.Name).ToListAsync(ct),
            await (from a in db.Assignments.AsNoTracking()
                   where a.CustomerId == customerId
                   join x in db.Experiments on a.ExperimentId equals x.Id
                   join v in db.Variants on a.VariantId equals v.Id
                   orderby a.AssignedAt
                   select new ExportedAssignment(x.Name, v.Name, a.AssignedAt)).ToListAsync(ct));

        db.AuditEntries.Add(Audit(actor, ExportedAction, customerId, new { format }));
        await db.SaveChangesAsync(ct);
        return export;
    }

    /// <summary>
    /// Erases one customer in one transaction: profile and attributes removed, purchases kept without order ids,
    /// event details removed, the address added to the suppression list, an opt-out appended to the consent log
    /// (the log itself stays: it is the proof of what the person agreed to and when). False when there is nothing to erase.
    /// </summary>
    public async Task<bool> EraseAsync(long customerId, string actor, CancellationToken ct = default)
    {
        await suppression.PrepareAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == customerId, ct);
        if (customer is null || customer.IsErased)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var hadAddress = customer.Email is not null;
        await suppression.AddAsync(db, customer.Email, SuppressionReason.Erased, ct);

        customer.SetEmail(null);
        customer.SetName(null, null);
        customer.ExternalId = null;
        customer.Country = null;
        customer.City = null;
        customer.BirthYear = null;
        customer.AgeBand = null;
        customer.Gender = null;
        customer.Attributes = [];
        customer.IsErased = true;
        customer.UpdatedAt = now;
        customer.EmailConsent = ConsentStatus.OptedOut;
        customer.EmailConsentAt = now;
        db.ConsentRecords.Add(new ConsentRecord
        {
            CustomerId = customerId,
            Status = ConsentStatus.OptedOut,
            Source = ConsentSource.Admin,
            Actor = actor,
            RecordedAt = now,
            Note = ErasureNote,
        });

        var purchases = await db.Purchases.Where(p => p.CustomerId == customerId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.OrderId, (string?)null).SetProperty(p => p.SourceKey, p => "erased-" + p.Id.ToString()), ct);
        var events = await db.CustomerEvents.Where(e => e.CustomerId == customerId)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.PropertiesJson, (string?)null).SetProperty(e => e.SourceKey, e => "erased-" + e.Id.ToString()), ct);

        db.AuditEntries.Add(Audit(actor, ErasedAction, customerId, new { purchasesAnonymised = purchases, eventsAnonymised = events, addressSuppressed = hadAddress }));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The export as one long CSV (section, record, field, value): one fixed header whatever the customer holds.</summary>
    public static Task WriteCsvAsync(CustomerDataExport export, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(export);
        var rows = new List<object?[]>();
        void Add(string section, object? record, string field, object? value) => rows.Add([section, record, field, value]);

        var p = export.Profile;
        Add("profile", p.Id, "id", p.Id);
        Add("profile", p.Id, "external_id", p.ExternalId);
        Add("profile", p.Id, "email", p.Email);
        Add("profile", p.Id, "first_name", p.FirstName);
        Add("profile", p.Id, "last_name", p.LastName);
        Add("profile", p.Id, "country", p.Country);
        Add("profile", p.Id, "city", p.City);
        Add("profile", p.Id, "birth_year", p.BirthYear);
        Add("profile", p.Id, "age_band", p.AgeBand);
        Add("profile", p.Id, "gender", p.Gender);
        Add("profile", p.Id, "created_at", p.CreatedAt);
        Add("profile", p.Id, "email_consent", p.EmailConsent);
        Add("profile", p.Id, "email_consent_at", p.EmailConsentAt);
        Add("profile", p.Id, "erased", p.IsErased);
        foreach (var (key, value) in p.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Add("attribute", p.Id, key, value);
        }

        foreach (var x in export.Purchases)
        {
            Add("purchase", x.Id, "order_id", x.OrderId);
            Add("purchase", x.Id, "amount", x.Amount);
            Add("purchase", x.Id, "currency", x.Currency);
            Add("purchase", x.Id, "category", x.Category);
            Add("purchase", x.Id, "product", x.Product);
            Add("purchase", x.Id, "purchased_at", x.PurchasedAt);
        }

        foreach (var e in export.Events)
        {
            Add("event", e.Id, "type", e.Type);
            Add("event", e.Id, "occurred_at", e.OccurredAt);
            Add("event", e.Id, "properties", e.PropertiesJson);
            Add("event", e.Id, "campaign_id", e.CampaignId);
        }

        foreach (var r in export.Consent)
        {
            Add("consent", r.Id, "recorded_at", r.RecordedAt);
            Add("consent", r.Id, "channel", r.Channel);
            Add("consent", r.Id, "purpose", r.Purpose);
            Add("consent", r.Id, "status", r.Status);
            Add("consent", r.Id, "source", r.Source);
            Add("consent", r.Id, "wording_version", r.WordingVersion);
            Add("consent", r.Id, "actor", r.Actor);
            Add("consent", r.Id, "ip_address", r.IpAddress);
            Add("consent", r.Id, "campaign_id", r.CampaignId);
            Add("consent", r.Id, "note", r.Note);
        }

        var i = 0;
        foreach (var m in export.Messages)
        {
            i++;
            Add("message", i, "campaign", m.CampaignName);
            Add("message", i, "status", m.Status);
            Add("message", i, "queued_at", m.QueuedAt);
            Add("message", i, "sent_at", m.SentAt);
            Add("message", i, "opened_at", m.OpenedAt);
            Add("message", i, "clicked_at", m.ClickedAt);
        }

        i = 0;
        foreach (var s in export.Segments)
        {
            Add("segment", ++i, "name", s);
        }

        i = 0;
        foreach (var a in export.Experiments)
        {
            i++;
            Add("experiment", i, "experiment", a.Experiment);
            Add("experiment", i, "variant", a.Variant);
            Add("experiment", i, "assigned_at", a.AssignedAt);
        }

        return SpreadsheetCsv.WriteAsync(output, ["section", "record", "field", "value"], rows, ct);
    }

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private AuditEntry Audit(string actor, string action, long customerId, object details) => new()
    {
        At = clock.GetUtcNow().UtcDateTime,
        Actor = actor,
        Action = action,
        EntityType = "Customer",
        EntityId = customerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        DetailsJson = JsonSerializer.Serialize(details),
    };
}

public sealed record CustomerDataExport(
    DateTime ExportedAt,
    ExportedProfile Profile,
    IReadOnlyList<ExportedPurchase> Purchases,
    IReadOnlyList<ExportedEvent> Events,
    IReadOnlyList<ExportedConsent> Consent,
    IReadOnlyList<ExportedMessage> Messages,
    IReadOnlyList<string> Segments,
    IReadOnlyList<ExportedAssignment> Experiments);

public sealed record ExportedProfile(long Id, string? ExternalId, string? Email, string? FirstName, string? LastName, string? Country, string? City,
    int? BirthYear, string? AgeBand, string? Gender, DateTime CreatedAt, DateTime UpdatedAt, ConsentStatus EmailConsent, DateTime? EmailConsentAt,
    bool IsErased, IReadOnlyDictionary<string, string> Attributes);

public sealed record ExportedPurchase(long Id, string? OrderId, decimal Amount, string Currency, string? Category, string? Product, DateTime PurchasedAt);

public sealed record ExportedEvent(long Id, string Type, DateTime OccurredAt, string? PropertiesJson, int? CampaignId);

public sealed record ExportedConsent(long Id, DateTime RecordedAt, ConsentChannel Channel, string Purpose, ConsentStatus Status, ConsentSource Source,
    string? WordingVersion, string Actor, string? IpAddress, int? CampaignId, string? Note);

public sealed record ExportedMessage(int CampaignId, string CampaignName, string Status, DateTime QueuedAt, DateTime? SentAt, DateTime? OpenedAt, DateTime? ClickedAt);

public sealed record ExportedAssignment(string Experiment, string Variant, DateTime AssignedAt);
