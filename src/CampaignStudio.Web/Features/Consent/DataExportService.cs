using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Exports;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>
/// Bulk exports of personal data (customers, a segment's members, the consent log as proof). Streamed from SQL,
/// formula-safe for spreadsheets, limited to Admin and Marketer, and written to the audit log.
/// </summary>
public sealed class DataExportService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TimeProvider clock)
{
    public static readonly string[] CustomerHeaders =
        ["id", "external_id", "email", "first_name", "last_name", "country", "city", "birth_year", "age_band", "gender", "created_at", "email_consent", "email_consent_at", "attributes"];

    public static readonly string[] ConsentHeaders =
        ["record_id", "customer_id", "email", "recorded_at", "channel", "purpose", "status", "source", "wording_version", "actor", "ip_address", "campaign_id", "note"];

    public async Task WriteCustomersAsync(Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await AuditAsync(db, "customers.exported", null, null, ct);
        await WriteCustomersAsync(output, db.Customers.AsNoTracking().Where(c => !c.IsErased).OrderBy(c => c.Id), ct);
    }

    /// <summary>The members of a segment as it stands now (rule segments are evaluated; list segments read). False when there is no such segment.</summary>
    public async Task<bool> WriteSegmentAsync(int segmentId, Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var segment = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == segmentId, ct);
        if (segment is null)
        {
            return false;
        }

        // Compiled before anything is written: a stored rule that no longer works is a 422 with the reason, not half a file.
        var members = await SegmentMembership.MembersAsync(db, segment.Id, clock, ct);
        await AuditAsync(db, "segment.exported", "Segment", segment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        await WriteCustomersAsync(output, members.OrderBy(c => c.Id), ct);
        return true;
    }

    /// <summary>The whole consent log: who agreed or withdrew, when, how, under which wording, from which IP.</summary>
    public async Task WriteConsentProofAsync(Stream output, long? customerId = null, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await AuditAsync(db, "consent.exported", customerId is null ? null : "Customer", customerId?.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        var records = db.ConsentRecords.AsNoTracking();
        if (customerId is { } id)
        {
            records = records.Where(r => r.CustomerId == id);
        }

        var rows = records.OrderBy(r => r.Id)
            .Select(r => new object?[] { r.Id, r.CustomerId, r.Customer!.Email, r.RecordedAt, r.Channel, r.Purpose, r.Status, r.Source, r.WordingVersion, r.Actor, r.IpAddress, r.CampaignId, r.Note })
            .AsAsyncEnumerable();
        await SpreadsheetCsv.WriteAsync(output, ConsentHeaders, rows, ct);
    }

    private static Task WriteCustomersAsync(Stream output, IQueryable<Customer> customers, CancellationToken ct)
    {
        var rows = customers
            .Select(c => new { c.Id, c.ExternalId, c.Email, c.FirstName, c.LastName, c.Country, c.City, c.BirthYear, c.AgeBand, c.Gender, c.CreatedAt, c.EmailConsent, c.EmailConsentAt, c.Attributes })
            .AsAsyncEnumerable()
            .Select(c => new object?[]
            {
                c.Id, c.ExternalId, c.Email, c.FirstName, c.LastName, c.Country, c.City, c.BirthYear, c.AgeBand, c.Gender, c.CreatedAt, c.EmailConsent, c.EmailConsentAt,
                // A projection skips the entity's null guard: no attributes arrive as null here.
                c.Attributes is { Count: > 0 } attributes ? JsonSerializer.Serialize(attributes) : null,
            });
        return SpreadsheetCsv.WriteAsync(output, CustomerHeaders, rows, ct);
    }

    private async Task AuditAsync(AppDbContext db, string action, string? entityType, string? entityId, CancellationToken ct)
    {
        db.AuditEntries.Add(new AuditEntry { At = clock.GetUtcNow().UtcDateTime, Actor = await user.NameAsync(), Action = action, EntityType = entityType, EntityId = entityId });
        await db.SaveChangesAsync(ct);
    }
}
