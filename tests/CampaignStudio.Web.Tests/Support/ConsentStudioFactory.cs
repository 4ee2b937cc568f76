using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Data.Identity;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>The studio with a movable clock, a sender identity set, and helpers to add customers and read their consent.</summary>
public sealed class ConsentStudioFactory : StudioAppFactory
{
    public string Outbox => Path.Combine(DataFolder, "outbox");

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public Task SetSenderAsync() => Get<SenderIdentityStore>().SaveAsync(
        new SenderIdentity("Demo Shop", "news@shop.example", null, "Demo Shop, 1 Main Street, 10115 Berlin", "https://studio.example"));

    /// <summary>Adds a customer; opted in with proof when asked.</summary>
    public async Task<long> AddCustomerAsync(string email, bool optedIn, string? firstName = null)
    {
        await using var db = await Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var now = Clock.GetUtcNow().UtcDateTime;
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

    /// <summary>
    /// The unsubscribe link of a campaign mail to the customer, minted as the send pipeline mints it (from a delivery proof)
    /// without sending anything; tests build the proof, which only the data layer can in the studio itself.
    /// </summary>
    public string UnsubscribePath(long customerId, int campaignId = 1) =>
        new Uri(Get<SignedTokenService>().LinksFor(new MessageDelivery(1, customerId, campaignId), "https://studio.example", new CampaignStudio.Messaging.Links.ClickTokens(new byte[32])).UnsubscribeUrl).AbsolutePath;

    /// <summary>The confirm link of a double opt-in e-mail to the customer, minted from a permit without sending.</summary>
    public string ConfirmPath(long customerId) =>
        new Uri(Get<SignedTokenService>().LinksFor(new ConfirmationPermit(customerId, "someone@example.com", null, ConsentPurposes.Marketing), "https://studio.example").ConfirmUrl).AbsolutePath;

    /// <summary>A service scope acting as one of the demo users, the way a signed-in circuit does.</summary>
    public async Task<IServiceScope> ScopeAsAsync(string email)
    {
        var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync((await users.FindByEmailAsync(email))!);
        scope.ServiceProvider.GetRequiredService<CampaignStudio.Web.Infrastructure.CurrentUser>().Use(principal);
        return scope;
    }

    /// <summary>The .eml files in the pickup folder now; compare with <see cref="NewMailsAsync"/> after an action.</summary>
    public HashSet<string> OutboxFiles() => Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml").ToHashSet() : [];

    /// <summary>Messages that arrived in the pickup folder since <paramref name="before"/>, for one address.</summary>
    public async Task<List<MimeKit.MimeMessage>> NewMailsAsync(HashSet<string> before, string to)
    {
        var mails = new List<MimeKit.MimeMessage>();
        foreach (var file in OutboxFiles().Where(f => !before.Contains(f)))
        {
            var message = await MimeKit.MimeMessage.LoadAsync(file);
            if (message.To.Mailboxes.Any(m => m.Address == to))
            {
                mails.Add(message);
            }
        }

        return mails;
    }

    /// <summary>
    /// Makes the pickup folder unwritable (a file where the folder was) until disposed, so every mail fails the way a full or
    /// read-only disk does: the real transport reports the failure, nothing is faked.
    /// </summary>
    public IDisposable BreakOutbox()
    {
        _ = Get<CampaignStudio.Messaging.Transport.IMailTransport>();
        var away = Outbox + "-away";
        Directory.Move(Outbox, away);
        File.WriteAllText(Outbox, "not a folder");
        return new Restore(() =>
        {
            File.Delete(Outbox);
            Directory.Move(away, Outbox);
        });
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    public HttpClient CookielessClient() => CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    public static FormUrlEncodedContent OneClick() => new(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" });
}
