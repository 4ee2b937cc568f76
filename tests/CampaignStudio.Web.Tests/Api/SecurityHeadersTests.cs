using System.Net;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Links;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// Every response carries nosniff and no referrer (unsubscribe links carry credentials); every HTML page a CSP that
/// allows only the studio's own scripts (plus the one nonce'd import map), no framing and no plugins.
/// </summary>
public sealed partial class SecurityHeadersTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public async Task HtmlPagesCarryAStrictScriptPolicyWhoseNonceIsTheImportMapsOnly()
    {
        var client = await app.SignedInClientAsync("marketer@demo.local");

        foreach (var path in new[] { "/", "/customers", "/campaigns/templates/new", "/not-a-page" })
        {
            var response = await client.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            var policy = Policy(response);

            Directive(policy, "script-src").ShouldMatch(@"^'self' 'nonce-[A-Za-z0-9+/=]{20,}'$", path);
            Directive(policy, "object-src").ShouldBe("'none'", path);
            Directive(policy, "frame-ancestors").ShouldBe("'none'", path);
            Directive(policy, "base-uri").ShouldBe("'self'", path);
            Directive(policy, "form-action").ShouldBe("'self'", path);
            policy.ShouldNotContain("unsafe-eval", Case.Sensitive, path);
            var nonce = Directive(policy, "script-src").Split("'nonce-")[1].TrimEnd('\'');
            var nonces = NonceAttributes().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
            nonces.ShouldAllBe(n => n == nonce, path);
            if (path == "/")
            {
                nonces.ShouldHaveSingleItem(path); // the import map
            }

            CommonHeaders(response, path);
        }
    }

    [Fact]
    public async Task TheSignInPageAndTheCustomersUnsubscribePageSendNoReferrer()
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var unsubscribe = new Uri(app.Services.GetRequiredService<SignedTokenService>()
            .LinksFor(new MessageDelivery(1, 1, 1), "https://studio.example", new CampaignStudio.Messaging.Links.ClickTokens(new byte[32])).UnsubscribeUrl).AbsolutePath;

        foreach (var path in new[] { "/account/login", unsubscribe })
        {
            var response = await client.GetAsync(path);
            CommonHeaders(response, path);
            Directive(Policy(response), "frame-ancestors").ShouldBe("'none'", path);
        }
    }

    [Fact]
    public async Task OnlyTheApiReferencePageMayEvaluateCode()
    {
        var response = await app.CreateClient().GetAsync("/api/docs");
        var html = await response.Content.ReadAsStringAsync();

        var scripts = Directive(Policy(response), "script-src");
        scripts.ShouldMatch(@"^'self' 'unsafe-eval' 'nonce-[A-Za-z0-9+/=]{20,}'$");
        var nonce = scripts.Split("'nonce-")[1].Split('\'')[0];
        NonceAttributes().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ShouldAllBe(n => n == nonce);
        CommonHeaders(response, "/api/docs");
    }

    [Fact]
    public async Task ApiAnswersAreNotSniffedEither()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("manager@demo.local"));

        var response = await client.GetAsync("/api/customers");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        CommonHeaders(response, "/api/customers");
    }

    private static void CommonHeaders(HttpResponseMessage response, string path)
    {
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], path);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["no-referrer"], path);
    }

    private static string Policy(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(";", values) : "";

    private static string Directive(string policy, string name) =>
        policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(d => d.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(d => d[(name.Length + 1)..].Trim())
            .SingleOrDefault() ?? $"(no {name})";

    [GeneratedRegex("nonce=\"([^\"]*)\"")]
    private static partial Regex NonceAttributes();
}
