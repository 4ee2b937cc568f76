using System.Net;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Tests.Features.Campaigns;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// Only a message actually sent to a customer carries links that act for them. The template preview, a test send and the
/// campaign review render the same mail for a real customer, but every link in them is refused by every public endpoint —
/// otherwise whoever sees a preview could opt that customer in (or out) in their name.
/// </summary>
public sealed partial class PreviewLinksTests(ConsentStudioFactory app) : IClassFixture<ConsentStudioFactory>
{
    private static readonly TemplateSource Source = new("Hello {{ customer.first_name }}", "Spring is here", CampaignTestBuilder.Html, null);

    [Fact]
    public async Task ThePreviewOfACustomersMailCarriesOnlyLinksThatEveryPublicEndpointRefuses()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("never-asked@example.com", optedIn: false, firstName: "Nora");

        using var scope = await app.ScopeAsAsync("marketer@demo.local");
        var preview = await scope.ServiceProvider.GetRequiredService<TemplateService>().PreviewAsync(Source, target, null);

        preview.Message.ShouldNotBeNull();
        preview.Message.Subject.ShouldBe("Hello Nora");
        await EveryStudioLinkIsRefusedAsync(preview.Message.Html + "\n" + preview.Message.Text);
        (await app.ConsentOfAsync(target)).ShouldSatisfyAllConditions(c => c.Status.ShouldBe(ConsentStatus.Unknown), c => c.Log.ShouldBeEmpty());
    }

    [Fact]
    public async Task ATestSendToAColleagueCarriesOnlyLinksThatEveryPublicEndpointRefuses()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("test-send-target@example.com", optedIn: true, firstName: "Tess");
        var before = app.OutboxFiles();

        using var scope = await app.ScopeAsAsync("marketer@demo.local");
        var result = await scope.ServiceProvider.GetRequiredService<TemplateService>().TestSendAsync(Source, target, "colleague@shop.example", null);

        result.IsSent.ShouldBeTrue(result.ToString());
        var mail = (await app.NewMailsAsync(before, "colleague@shop.example")).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("[Test] Hello Tess");
        await EveryStudioLinkIsRefusedAsync(mail.Headers[HeaderId.ListUnsubscribe] + "\n" + mail.HtmlBody + "\n" + mail.TextBody);
        (await app.ConsentOfAsync(target)).ShouldSatisfyAllConditions(c => c.Status.ShouldBe(ConsentStatus.OptedIn), c => c.Log.Count.ShouldBe(1));
    }

    [Fact]
    public async Task TheCampaignReviewCarriesOnlyLinksThatEveryPublicEndpointRefuses()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("review-target@example.com", optedIn: true, firstName: "Rita");
        var build = new CampaignTestBuilder(app.Services);
        var segment = await build.SegmentAsync("Review audience", [target]);
        var template = await build.TemplateAsync("Review mail", Source.Subject, Source.Html);

        using var scope = await app.ScopeAsAsync("manager@demo.local");
        var review = await scope.ServiceProvider.GetRequiredService<CampaignService>().ReviewAsync(
            new CampaignDraft { Name = "Review links", SegmentId = segment, TemplateId = template });

        var preview = review.Contents.ShouldHaveSingleItem().Preview;
        preview.ShouldNotBeNull();
        preview.Subject.ShouldBe("Hello Rita");
        await EveryStudioLinkIsRefusedAsync(preview.Html + "\n" + preview.Text);
        (await app.ConsentOfAsync(target)).ShouldSatisfyAllConditions(c => c.Status.ShouldBe(ConsentStatus.OptedIn), c => c.Log.Count.ShouldBe(1));
    }

    [Fact]
    public async Task TheMailActuallySentToTheCustomerCarriesWorkingLinks()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("really-sent@example.com", optedIn: true, firstName: "Sam");

        var (campaignId, mail) = await SendCampaignAsync(target, "really-sent@example.com");

        var links = StudioPaths(mail.Headers[HeaderId.ListUnsubscribe] + "\n" + mail.HtmlBody).ToList();
        var unsubscribe = links.First(l => l.StartsWith("/u/", StringComparison.Ordinal));
        links.ShouldContain(l => l.StartsWith("/t/c/", StringComparison.Ordinal));
        links.ShouldContain(l => l.StartsWith("/t/o/", StringComparison.Ordinal));
        var client = app.CookielessClient();
        (await client.GetAsync(unsubscribe)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync(links.First(l => l.StartsWith("/t/c/", StringComparison.Ordinal)))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await client.PostAsync(unsubscribe, ConsentStudioFactory.OneClick())).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (status, log) = await app.ConsentOfAsync(target);
        status.ShouldBe(ConsentStatus.OptedOut);
        (log[^1].Source, log[^1].CampaignId).ShouldBe((ConsentSource.UnsubscribeLink, (int?)campaignId));
    }

    /// <summary>Launches a one-person campaign and waits for the studio's own send worker to deliver it to the pickup folder.</summary>
    private async Task<(int CampaignId, MimeMessage Mail)> SendCampaignAsync(long customerId, string email)
    {
        var dbFactory = app.Get<IDbContextFactory<AppDbContext>>();
        var build = new CampaignTestBuilder(app.Services);
        var before = app.OutboxFiles();
        var segment = await build.SegmentAsync($"Sent to {email}", [customerId]);
        var template = await build.TemplateAsync($"Mail to {email}", Source.Subject, Source.Html);
        var campaignId = await build.ScheduledCampaignAsync($"Campaign to {email}", segment, template);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            if (await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Status).SingleAsync() == CampaignStatus.Completed)
            {
                break;
            }

            waited.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "the send worker completes the campaign");
            await Task.Delay(100);
        }

        var mail = (await app.NewMailsAsync(before, email)).ShouldHaveSingleItem();
        mail.Headers[MessageBuilder.CampaignHeader].ShouldBe(campaignId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (campaignId, mail);
    }

    /// <summary>
    /// Every link to the studio in <paramref name="content"/> (there must be one: the unsubscribe footer), tried on every public
    /// endpoint that takes a token: each must answer 404 and change nothing.
    /// </summary>
    private async Task EveryStudioLinkIsRefusedAsync(string content)
    {
        var paths = StudioPaths(content).ToList();
        paths.ShouldNotBeEmpty("the rendered mail links to the studio (unsubscribe, preferences)");
        var client = app.CookielessClient();
        foreach (var path in paths)
        {
            var token = path.TrimEnd('/').Split('/')[^1];
            var escaped = Uri.EscapeDataString(Uri.UnescapeDataString(token));
            var attempts = new (string What, Func<Task<HttpResponseMessage>> Send)[]
            {
                ("GET the link itself", () => client.GetAsync(path)),
                ("POST the link itself", () => client.PostAsync(path, ConsentStudioFactory.OneClick())),
                ("GET the preference centre", () => client.GetAsync($"/u/{escaped}")),
                ("one-click unsubscribe", () => client.PostAsync($"/u/{escaped}", ConsentStudioFactory.OneClick())),
                ("opt in at the preference centre", () => client.PostAsync($"/u/{escaped}/preferences", Form(("purpose", ConsentPurposes.Marketing)))),
                ("opt out at the preference centre", () => client.PostAsync($"/u/{escaped}/preferences", Form(("action", "unsubscribe-all")))),
                ("GET the double opt-in page", () => client.GetAsync($"/confirm/{escaped}")),
                ("confirm a double opt-in", () => client.PostAsync($"/confirm/{escaped}", null)),
                ("count a click", () => client.GetAsync($"/t/c/{escaped}")),
                ("count an open", () => client.GetAsync($"/t/o/{escaped}")),
            };
            foreach (var (what, send) in attempts)
            {
                (await send()).StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{what} with {path}");
            }
        }
    }

    private static IEnumerable<string> StudioPaths(string content) =>
        StudioLink().Matches(WebUtility.HtmlDecode(content)).Select(m => m.Groups["path"].Value).Distinct();

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) => new(fields.ToDictionary(f => f.Key, f => f.Value));

    [GeneratedRegex(@"https://studio\.example(?<path>/[^\s""'<>]+)")]
    private static partial Regex StudioLink();
}
