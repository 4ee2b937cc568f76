using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Flows;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows.Tests.Support;

/// <summary>
/// Live flows written straight to the database as the lifecycle leaves them after publishing: the flow Live with its version,
/// and one campaign per send step (status Sending) with the step's template. Also customers and their events and purchases.
/// </summary>
public sealed class FlowTestBuilder(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<List<long>> CustomersAsync(string prefix, int count, int optedIn = int.MaxValue) =>
        new CampaignTestBuilder(dbFactory, clock).CustomersAsync(prefix, count, Math.Min(count, optedIn));

    /// <summary>A live flow of <paramref name="definition"/>, live since now; returns the flow with its version id.</summary>
    public async Task<LiveFlow> FlowAsync(string name, FlowDefinition definition)
    {
        FlowDefinitionJson.Validate(definition).ShouldBeNull();
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = Now;
        var (flow, version) = await FlowRows.LiveAsync(db, name, definition, now);
        var campaigns = new Dictionary<string, int>();
        foreach (var send in new FlowMap(definition).Steps.OfType<SendEmailStep>())
        {
            var template = new EmailTemplate
            {
                Name = $"{name} {send.Id}", Subject = $"{name}: {send.Id} for {{{{ customer.first_name }}}}", HtmlBody = CampaignTestBuilder.Html,
                CreatedBy = "test", CreatedAt = now, UpdatedAt = now,
            };
            db.EmailTemplates.Add(template);
            await db.SaveChangesAsync();
            campaigns[send.Id] = (await FlowRows.StepCampaignAsync(db, flow, version, send.Id, now, template.Id)).Id;
        }

        return new LiveFlow(flow.Id, version.Id, campaigns);
    }

    public async Task EventAsync(long customerId, string type, string? propertiesJson = null, DateTime? at = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        db.CustomerEvents.Add(new CustomerEvent
        {
            CustomerId = customerId, Type = type, OccurredAt = at ?? Now, PropertiesJson = propertiesJson, SourceKey = Guid.NewGuid().ToString("N"),
        });
        await db.SaveChangesAsync();
    }

    public async Task EventsAsync(IEnumerable<long> customerIds, string type)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        db.CustomerEvents.AddRange(customerIds.Select(id => new CustomerEvent { CustomerId = id, Type = type, OccurredAt = Now, SourceKey = Guid.NewGuid().ToString("N") }));
        await db.SaveChangesAsync();
    }

    /// <summary>An imported purchase (not an event): counts as order_placed for goals and triggers.</summary>
    public async Task PurchaseAsync(long customerId, decimal amount = 40m)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        db.Purchases.Add(new Purchase { CustomerId = customerId, Amount = amount, PurchasedAt = Now, SourceKey = Guid.NewGuid().ToString("N"), OrderId = Guid.NewGuid().ToString("N")[..8] });
        await db.SaveChangesAsync();
    }

    public async Task SetTimeZoneAsync(long customerId, string zone)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Customers.Where(c => c.Id == customerId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TimeZone, zone));
    }
}

/// <summary>A flow made by <see cref="FlowTestBuilder.FlowAsync"/>: its id, live version and the campaign of each send step.</summary>
public sealed record LiveFlow(int Id, int VersionId, IReadOnlyDictionary<string, int> Campaigns);
