using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Messaging.Links;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>A clock a test can move: signed links are checked against the app's TimeProvider.</summary>
public sealed class MovableClock : TimeProvider
{
    private TimeSpan _offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;

    public void MoveBy(TimeSpan offset) => _offset = offset;

    public void Reset() => _offset = TimeSpan.Zero;
}

/// <summary>The studio with a movable clock, a sender identity set, and helpers to add customers and read their consent.</summary>
public sealed class ConsentStudioFactory : StudioAppFactory
{
    public MovableClock Clock { get; } = new();

    public string Outbox => Path.Combine(DataFolder, "outbox");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public Task SetSenderAsync() => Get<SenderIdentityStore>().SaveAsync(
        new SenderIdentity("Demo Shop", "news@shop.example", null, "Demo Shop, 1 Main Street, 10115 Berlin", "https://studio.example"));

    /// <summary>Adds a customer; opted in with proof when asked.</summary>
    public async Task<long> AddCustomerAsync(string email, bool optedIn, string? firstName = null)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var now = DateTime.UtcNow;
        var customer = new Customer { CreatedAt = now, UpdatedAt = now };
        customer.SetEmail(email);
        customer.SetName(firstName, null);
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        if (optedIn)
        {
            (await Get<ConsentLedger>().RecordAsync(new ConsentChange(customer.Id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "signup-form-v1"))).Recorded.ShouldBeTrue();
        }

        return customer.Id;
    }

    public async Task<(ConsentStatus Status, List<ConsentRecord> Log)> ConsentOfAsync(long customerId)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var status = await db.Customers.Where(c => c.Id == customerId).Select(c => c.EmailConsent).SingleAsync();
        var log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == customerId).OrderBy(r => r.Id).ToListAsync();
        return (status, log);
    }

    public string UnsubscribePath(long customerId, int campaignId = 0) => "/u/" + Get<SignedTokenService>().CreateUnsubscribeToken(customerId, campaignId);

    public HttpClient CookielessClient() => CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    public static FormUrlEncodedContent OneClick() => new(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });
}
