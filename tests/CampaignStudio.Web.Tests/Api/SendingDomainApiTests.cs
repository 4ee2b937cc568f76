using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class SendingDomainApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The signing routes that change something; only an Admin may call them (and read them: the test below).</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes =
    [
        ("PUT", "/api/settings/dkim"),
        ("POST", "/api/settings/dkim/key"),
    ];

    private async Task<HttpClient> ClientAsync(StudioAppFactory factory, string email)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await factory.ApiKeyForAsync(email));
        return client;
    }

    private static async Task SenderAsync(StudioAppFactory factory) =>
        await CampaignTestBuilder.SenderAsync(factory.Services.GetRequiredService<SenderIdentityStore>());

    [Fact]
    public async Task AGeneratedKeyIsStoredEncryptedSignsMailAndIsNeverReturned()
    {
        await SenderAsync(app);
        var admin = await ClientAsync(app, "admin@demo.local");
        var bodies = new List<string>();

        var before = await admin.GetFromJsonAsync<DkimSettingsResponse>("/api/settings/dkim");
        before!.Signing.ShouldBeFalse();
        before.PublicKey.ShouldBeNull();
        before.Records.Select(r => r.Purpose).ShouldBe(["SPF", "DMARC"]);

        var saved = await admin.PutAsJsonAsync("/api/settings/dkim", new { domain = "Shop.Example.com", selector = "s2026" });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var generated = await admin.PostAsJsonAsync("/api/settings/dkim/key", new { generate = true });
        generated.StatusCode.ShouldBe(HttpStatusCode.OK);
        bodies.Add(await generated.Content.ReadAsStringAsync());
        var view = (await generated.Content.ReadFromJsonAsync<DkimSettingsResponse>())!;
        bodies.Add(await admin.GetStringAsync("/api/settings/dkim"));
        var openApi = await admin.GetStringAsync("/openapi/v1.json");

        view.Signing.ShouldBeTrue();
        (view.Domain, view.Selector).ShouldBe(("shop.example.com", "s2026"));
        var dkim = view.Records.First();
        (dkim.Purpose, dkim.Name, dkim.Value).ShouldBe(("DKIM", "s2026._domainkey.shop.example.com", $"v=DKIM1; k=rsa; p={view.PublicKey}"));
        dkim.Strings.ShouldAllBe(s => s.Length <= 255);

        // The private half exists only encrypted in the settings table; no answer carries any of it.
        var (_, privateKey) = await app.Services.GetRequiredService<DkimKeyStore>().GetForSigningAsync();
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKey);
        Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()).ShouldBe(view.PublicKey);
        var privateBody = Convert.ToBase64String(rsa.ExportPkcs8PrivateKey());
        var privateD = Convert.ToBase64String(rsa.ExportParameters(true).D!);
        foreach (var body in bodies)
        {
            body.ShouldNotContain("PRIVATE KEY");
        }

        foreach (var body in bodies.Append(openApi))
        {
            body.ShouldNotContain(privateBody[40..80]);
            body.ShouldNotContain(privateD[..40]);
        }

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var stored = await db.Settings.AsNoTracking().SingleAsync(s => s.Key == "Dkim:PrivateKey");
            stored.Value.ShouldNotBeNull().ShouldNotContain("PRIVATE KEY");
            stored.Value.ShouldNotContain(privateBody[40..80]);
        }

        // Mail leaving through the studio's transport is signed with that key.
        var signer = await app.Services.GetRequiredService<IDkimSignerSource>().SignerAsync();
        signer.ShouldNotBeNull().Selector.ShouldBe("s2026");
        await using var dns = await DnsServer.StartAsync(["example.com"], [(dkim.Name, dkim.Strings)]);
        var message = new CampaignStudio.Messaging.Mime.MessageBuilder().Build(new("Hello", null, "<p>Hi</p>", "Hi"),
            new(new("Demo Shop", "news@shop.example.com"), "ada@example.net", "Ada", 1, 1, "https://studio.example.com/u/x"));
        signer.Sign(message);
        (await DkimVerification.MimeKitVerifiesAsync(message, dns)).ShouldBeTrue(dns.Log);
    }

    [Fact]
    public async Task AnImportedKeyIsCheckedAndUnusableKeysOrNamesAreRefusedInWords()
    {
        await using var factory = new StudioAppFactory();
        await SenderAsync(factory);
        var admin = await ClientAsync(factory, "admin@demo.local");
        using var rsa = RSA.Create(2048);

        var imported = await admin.PostAsJsonAsync("/api/settings/dkim/key", new { privateKeyPem = rsa.ExportRSAPrivateKeyPem() });
        imported.StatusCode.ShouldBe(HttpStatusCode.OK);
        var view = (await imported.Content.ReadFromJsonAsync<DkimSettingsResponse>())!;
        view.PublicKey.ShouldBe(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        (view.Domain, view.Selector).ShouldBe(("shop.example.com", "studio"), "without a domain, the sender address's domain and the default selector");

        var notAKey = await admin.PostAsJsonAsync("/api/settings/dkim/key", new { privateKeyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" });
        notAKey.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notAKey.Content.ReadAsStringAsync()).ShouldContain("not an RSA private key");
        var both = await admin.PostAsJsonAsync("/api/settings/dkim/key", new { generate = true, privateKeyPem = "x" });
        both.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var badNames = await admin.PutAsJsonAsync("/api/settings/dkim", new { domain = "not a domain", selector = "two words" });
        badNames.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var text = await badNames.Content.ReadAsStringAsync();
        text.ShouldContain("Enter the signing domain");
        text.ShouldContain("Enter a selector");
        (await admin.GetFromJsonAsync<DkimSettingsResponse>("/api/settings/dkim"))!.PublicKey.ShouldBe(view.PublicKey, "refused requests change nothing");
    }

    [Fact]
    public async Task OnlyAnAdminReadsOrChangesSigningAndChecksDns()
    {
        foreach (var email in new[] { "marketer@demo.local", "manager@demo.local" })
        {
            var client = await ClientAsync(app, email);
            (await client.GetAsync("/api/settings/dkim")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.GetAsync("/api/settings/dns-check")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.PutAsJsonAsync("/api/settings/dkim", new { domain = "evil.example", selector = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await client.PostAsJsonAsync("/api/settings/dkim/key", new { generate = true })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // The service refuses on its own too (the Settings tab calls it without the endpoint's policy).
        using var scope = app.Services.CreateScope();
        var marketer = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<CampaignStudio.Data.Identity.AppUser>>().FindByEmailAsync("marketer@demo.local");
        var principal = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.IUserClaimsPrincipalFactory<CampaignStudio.Data.Identity.AppUser>>().CreateAsync(marketer!);
        scope.ServiceProvider.GetRequiredService<CampaignStudio.Web.Infrastructure.CurrentUser>().Use(principal);
        await Should.ThrowAsync<CampaignStudio.Web.Infrastructure.StudioForbiddenException>(() => scope.ServiceProvider.GetRequiredService<SendingDomainService>().GenerateKeyAsync());

        var openApi = await (await ClientAsync(app, "admin@demo.local")).GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/api/settings/dkim", "/api/settings/dkim/key", "/api/settings/dns-check" })
        {
            openApi.ShouldContain($"\"{path}\"");
        }

        openApi.ShouldContain("\"DkimKeyRequest\"");
        openApi.ShouldContain("Never the private key");
    }

    [Fact]
    public async Task TheDnsCheckAsksTheConfiguredNameServerAndSaysWhatIsMissingOrMisaligned()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var publicKey = DkimKeys.PublicKeyOf(pem);
        var domains = new SendingDomains("shop.example.com", "shop.example.com", "check", publicKey, "shop.example.com", null);
        await using var dns = await DnsServer.StartAsync(["example.com", "other.example"], DnsRecordsToPublish.For(domains).Select(r => (r.Name, r.Strings)));
        await using var factory = new StudioAppFactory();
        factory.Settings["Mail:NameServer"] = dns.Address;
        await SenderAsync(factory);
        var admin = await ClientAsync(factory, "admin@demo.local");
        (await admin.PutAsJsonAsync("/api/settings/dkim", new { domain = "shop.example.com", selector = "check" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/settings/dkim/key", new { privateKeyPem = pem })).EnsureSuccessStatusCode();

        var good = (await admin.GetFromJsonAsync<DnsCheckResponse>("/api/settings/dns-check"))!;

        good.NameServer.ShouldBe(dns.Address);
        good.Findings.Select(f => f.Code).ShouldBe(["dkim-published", "spf-published", "dmarc-published", "aligned"]);
        good.AllGood.ShouldBeTrue();

        (await admin.PutAsJsonAsync("/api/settings/dkim", new { domain = "other.example", selector = "check" })).EnsureSuccessStatusCode();
        var moved = (await admin.GetFromJsonAsync<DnsCheckResponse>("/api/settings/dns-check"))!;

        moved.AllGood.ShouldBeFalse();
        moved.Findings.Select(f => f.Code).ShouldBe(["dkim-missing", "spf-published", "dmarc-published", "dkim-not-aligned"]);
        moved.Findings[0].Text.ShouldStartWith("No DKIM record at check._domainkey.other.example.");
    }

    [Fact]
    public async Task OnceABounceAddressIsSetTheReturnPathIsItsDomainAndSpfIsSuggestedThere()
    {
        await using var factory = new StudioAppFactory();
        await SenderAsync(factory);
        var admin = await ClientAsync(factory, "admin@demo.local");
        var before = (await admin.GetFromJsonAsync<DkimSettingsResponse>("/api/settings/dkim"))!;
        before.ReturnPathDomain.ShouldBe(before.FromDomain, "without a bounce address the envelope sender is the From address");

        (await admin.PutAsJsonAsync("/api/settings/bounce-mailbox", new { returnAddress = "bounces@bounce.elsewhere.example", imapHost = "", imapPort = 993, security = "SslOnConnect", imapUser = "" }))
            .EnsureSuccessStatusCode();
        var after = (await admin.GetFromJsonAsync<DkimSettingsResponse>("/api/settings/dkim"))!;

        after.ReturnPathDomain.ShouldBe("bounce.elsewhere.example");
        after.Records.Single(r => r.Purpose == "SPF").Name.ShouldBe("bounce.elsewhere.example");
    }
}
