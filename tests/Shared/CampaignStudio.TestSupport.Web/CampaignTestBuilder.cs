using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Segments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.TestSupport.Web;

/// <summary>
/// Customers, a list segment, a template and a sender identity for campaign tests, written straight to the real database,
/// stamped with the studio's clock (not the real one), so "now" in the rows and in the studio agree.
/// </summary>
public sealed class CampaignTestBuilder(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string PostalAddress = "Demo Shop GmbH, Hauptstraße 1, 10115 Berlin";

    /// <summary>For a studio's services: its database and its clock.</summary>
    public CampaignTestBuilder(IServiceProvider services)
        : this(services.GetRequiredService<IDbContextFactory<AppDbContext>>(), services.GetRequiredService<TimeProvider>())
    {
    }

    public const string Html = """
        <html><body>
        <h1>Hello {{ customer.first_name | default: "there" }}!</h1>
        <p>Your favourite: {{ top_category | default: "everything" }}. Take {{ campaign.discount_tier | default: "5%" }} off.</p>
        <p><a href="https://shop.example.com/sale?from=mail&amp;id=7">Shop the sale</a></p>
        </body></html>
        """;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Adds customers with addresses <c>{prefix}{i}@example.com</c>; the first <paramref name="optedIn"/> opted in.</summary>
    public async Task<List<long>> CustomersAsync(string prefix, int count, int optedIn, Func<int, string>? email = null, Func<int, string?>? firstName = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = Now;
        var customers = Enumerable.Range(0, count).Select(i =>
        {
            var c = new Customer { CreatedAt = now, UpdatedAt = now, Country = "DE", EmailConsent = i < optedIn ? ConsentStatus.OptedIn : ConsentStatus.Unknown };
            c.SetEmail(email?.Invoke(i) ?? $"{prefix}{i}@example.com");
            c.SetName(firstName?.Invoke(i) ?? $"Anna{i}", "Tester");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        return customers.Select(c => c.Id).ToList();
    }

    public async Task<int> SegmentAsync(string name, IEnumerable<long> members)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var segment = new Segment { Name = name, Kind = SegmentKind.Snapshot, CreatedBy = "test", CreatedAt = Now, UpdatedAt = Now };
        db.Segments.Add(segment);
        await db.SaveChangesAsync();
        db.SegmentMembers.AddRange(members.Select(id => new SegmentMember { SegmentId = segment.Id, CustomerId = id }));
        await db.SaveChangesAsync();
        return segment.Id;
    }

    public async Task<int> TemplateAsync(string name, string subject = "Hi {{ customer.first_name | default: \"there\" }}", string html = Html)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var template = new EmailTemplate { Name = name, Subject = subject, HtmlBody = html, CreatedBy = "test", CreatedAt = Now, UpdatedAt = Now };
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync();
        return template.Id;
    }

    public static Task SenderAsync(SenderIdentityStore store, string baseUrl = "https://studio.example.com") =>
        store.SaveAsync(new SenderIdentity("Demo Shop", "news@shop.example.com", "help@shop.example.com", PostalAddress, baseUrl));

    /// <summary>A campaign ready for the worker to launch, as the wizard leaves it.</summary>
    public async Task<int> ScheduledCampaignAsync(string name, int segmentId, int templateId, DateTime? at = null, string? discountTier = "15%")
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var campaign = new Campaign
        {
            Name = name, SegmentId = segmentId, EmailTemplateId = templateId, ScheduledAt = at ?? Now,
            DiscountTier = discountTier, CreatedBy = "test", CreatedAt = Now,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }
}
