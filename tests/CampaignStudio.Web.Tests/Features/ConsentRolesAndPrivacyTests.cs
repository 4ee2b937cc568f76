using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>Who may change consent, privacy requests (export, erase) and the formula-safe exports, through the real host.</summary>
public sealed class ConsentRolesAndPrivacyTests(ConsentStudioFactory app) : IClassFixture<ConsentStudioFactory>
{
    /// <summary>The consent API routes that change something, with a URL that reaches each (the authorization test checks the list is complete).</summary>
    public static readonly IReadOnlyList<(string Pattern, string Url)> MutatingRoutes =
    [
        ("/api/customers/{id:long}/consent/double-opt-in", "/api/customers/1/consent/double-opt-in"),
        ("/api/customers/{id:long}/consent/opt-out", "/api/customers/1/consent/opt-out"),
        ("/api/customers/{id:long}/erase", "/api/customers/1/erase"),
        ("/api/consent/bounces/{recordId:long}/lift", "/api/consent/bounces/1/lift"),
    ];

    [Fact]
    public async Task ManagersCannotChangeConsentThroughTheApiOrTheService()
    {
        var id = await app.AddCustomerAsync("manager-proof@example.com", optedIn: true);
        var manager = await ApiClientAsync("manager@demo.local");

        foreach (var (_, url) in MutatingRoutes)
        {
            (await manager.PostAsync(url.Replace("/1/", $"/{id}/", StringComparison.Ordinal), JsonContent("{}"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden, url);
        }

        (await manager.GetAsync("/api/consent/proof.csv")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await (await app.SignedInClientAsync("manager@demo.local")).GetAsync("/consent")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var scope = await ScopeAsAsync("manager@demo.local");
        var consent = scope.ServiceProvider.GetRequiredService<ConsentService>();
        await Should.ThrowAsync<StudioForbiddenException>(() => consent.RecordOptOutAsync(id, null));
        await Should.ThrowAsync<StudioForbiddenException>(() => consent.SendDoubleOptInAsync(id));
        var bounces = scope.ServiceProvider.GetRequiredService<BounceService>();
        await Should.ThrowAsync<StudioForbiddenException>(() => bounces.LiftAsync(1));
        (await bounces.OverviewAsync()).Suppressions.ShouldNotBeNull("every role may read why addresses were suppressed");
        (await consent.DashboardAsync()).Mix.Sum(m => m.Count).ShouldBeGreaterThan(0);

        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedIn);
        log.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AMarketerRecordsAnOptOutAsANewLogRow()
    {
        var id = await app.AddCustomerAsync("marketer-opt-out@example.com", optedIn: true);
        var marketer = await app.SignedInClientAsync("marketer@demo.local");

        (await marketer.PostAsync($"/api/customers/{id}/consent/opt-out", JsonContent("""{"note":"Asked by phone"}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedOut);
        log.Count.ShouldBe(2);
        (log[1].Source, log[1].Actor, log[1].Note).ShouldBe((ConsentSource.Admin, "marketer@demo.local", "Asked by phone"));
    }

    [Fact]
    public async Task AnAdminExportsAndErasesACustomerAndAnErasedAddressIsNeverMailedAgain()
    {
        var id = await app.AddCustomerAsync("erase-me@example.com", optedIn: true, firstName: "=cmd|' /C calc'!A0");
        var admin = await ApiClientAsync("admin@demo.local");
        var marketer = await ApiClientAsync("marketer@demo.local");

        (await marketer.GetAsync($"/api/customers/{id}/privacy-export.json")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var json = await admin.GetStringAsync($"/api/customers/{id}/privacy-export.json");
        json.ShouldContain("erase-me@example.com");
        json.ShouldContain("signup-form-v1");
        var csv = await admin.GetStringAsync($"/api/customers/{id}/privacy-export.csv");
        csv.Split('\n')[0].TrimEnd('\r').ShouldBe("section,record,field,value");
        csv.ShouldContain("'=cmd|");
        csv.ShouldNotContain(",=cmd");

        (await marketer.PostAsync($"/api/customers/{id}/erase", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.PostAsync($"/api/customers/{id}/erase", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var erased = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == id);
            (erased.IsErased, erased.Email, erased.FirstName, erased.EmailConsent).ShouldBe((true, (string?)null, (string?)null, ConsentStatus.OptedOut));
            var audit = await db.AuditEntries.AsNoTracking().Where(a => a.EntityType == "Customer" && a.EntityId == id.ToString()).Select(a => a.Action).ToListAsync();
            audit.ShouldBe(["customer.privacy-export", "customer.privacy-export", "customer.erased"], ignoreOrder: true);
            (await db.AuditEntries.AsNoTracking().Where(a => a.EntityId == id.ToString()).AnyAsync(a => a.DetailsJson!.Contains("erase-me"))).ShouldBeFalse();
            (await db.SuppressedAddresses.CountAsync()).ShouldBeGreaterThan(0);
        }

        // Re-added through the API: the new customer is opted out at once and an opt-in is refused.
        var batch = await marketer.PostAsJsonAsync("/api/customers/batch", new { customers = new[] { new { email = "Erase-Me@Example.com" } } });
        batch.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using (var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var again = await db.Customers.AsNoTracking().SingleAsync(c => c.Email == "erase-me@example.com");
            again.EmailConsent.ShouldBe(ConsentStatus.OptedOut);
            var outcome = await app.Get<ConsentLedger>().RecordAsync(new ConsentChange(again.Id, ConsentStatus.OptedIn, ConsentSource.Form, "customer", "signup-form-v1"));
            outcome.Recorded.ShouldBeFalse();
            (await db.Customers.Mailable().AnyAsync(c => c.Email == "erase-me@example.com")).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task CustomerAndConsentExportsNeutraliseFormulasAndKeepHeaders()
    {
        await app.AddCustomerAsync("formula@example.com", optedIn: true, firstName: "+SUM(A1:A9)");
        var marketer = await app.SignedInClientAsync("marketer@demo.local");

        var customers = await marketer.GetAsync("/api/customers/export.csv");
        customers.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var text = await customers.Content.ReadAsStringAsync();
        text.Split('\n')[0].TrimEnd('\r').ShouldBe(string.Join(',', DataExportService.CustomerHeaders));
        text.ShouldContain(",'+SUM(A1:A9),");
        text.ShouldNotContain(",+SUM");

        var proof = await marketer.GetStringAsync("/api/consent/proof.csv");
        proof.Split('\n')[0].TrimEnd('\r').ShouldBe(string.Join(',', DataExportService.ConsentHeaders));
        proof.ShouldContain("formula@example.com");
    }

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private async Task<IServiceScope> ScopeAsAsync(string email)
    {
        var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync((await users.FindByEmailAsync(email))!);
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(principal);
        return scope;
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
