using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CampaignStudio.Data.Settings;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Api.Generated;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The studio with its own send worker running and SMTP to a real server (aiosmtpd): what an API client talks to.
/// </summary>
public sealed class ApiClientStudio : IAsyncLifetime
{
    public SmtpServerFixture Smtp { get; } = new();

    public StudioAppFactory App { get; } = new();

    public async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        App.Settings["Mail:Transport"] = "Smtp";
        App.Settings["Mail:Smtp:Host"] = "127.0.0.1";
        App.Settings["Mail:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture);
        App.Settings["Mail:Smtp:Security"] = "None";
        _ = App.Services;
        await CampaignTestBuilder.SenderAsync(App.Services.GetRequiredService<SenderIdentityStore>());
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// A whole campaign driven through the client NSwag generates from the committed OpenAPI document (docs/api/openapi-v1.json,
/// which <see cref="OpenApiDocumentTests"/> proves is the served one): import customers from a CSV, record their consent with
/// proof by double opt-in, build a segment, write a template, review and launch the campaign, wait until the worker has sent
/// it over SMTP, and read the results. Every call is the generated client's; the only other requests are the person's click
/// on the confirmation link and the mail server's inbox.
/// </summary>
public sealed class GeneratedClientCampaignTests(ApiClientStudio studio) : IClassFixture<ApiClientStudio>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AGeneratedClientImportsSegmentsWritesLaunchesAndReadsTheResultsOfACampaign()
    {
        var http = studio.App.CreateClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", await studio.App.ApiKeyForAsync("marketer@demo.local"));
        var api = new StudioApiClient(http);

        // Import: 13 customers in Germany, 2 in France; 202 with the job, then its status until it has finished.
        var csv = "email,first_name,country\n"
            + string.Concat(Enumerable.Range(1, 13).Select(i => $"de{i}@api-client.example,Anna{i},DE\n"))
            + "fr1@api-client.example,Luc,FR\nfr2@api-client.example,Léa,FR\n";
        using var upload = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        var job = await api.ImportsPOSTAsync(new FileParameter(upload, "shop-customers.csv", "text/csv"), "customers");
        job = await UntilAsync(() => api.ImportsGETAsync(job.Id), j => j.Status is "Completed" or "Failed" or "Cancelled" or "Interrupted");
        (job.Status, job.LinesRead, job.New, job.Refused, job.EveryLineAccountedFor).ShouldBe(("Completed", 15L, 15L, 0L, true));

        // Consent with proof: a double opt-in e-mail to twelve of the Germans, and each one's click on its link.
        var germans = (await api.CustomersAsync(search: "de", pageSize: 100)).Items.Where(c => c.Email!.EndsWith("@api-client.example", StringComparison.Ordinal))
            .OrderBy(c => c.Id).ToList();
        germans.Count.ShouldBe(13);
        foreach (var customer in germans.Take(12))
        {
            await api.DoubleOptInAsync(customer.Id, new DoubleOptInRequest { WordingVersion = "api-signup-v1" });
        }

        var person = studio.App.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var customer in germans.Take(12))
        {
            var mail = await UntilAsync(() => Task.FromResult(MailTo(customer.Email!)), m => m is not null);
            var link = Regex.Match(mail!.TextBody!, "https://studio.example.com(/confirm/[A-Za-z0-9_%-]+)").Groups[1].Value;
            link.ShouldNotBeEmpty();
            (await person.PostAsync(link, null)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var proof = await api.ConsentAsync(germans[0].Id);
        proof.History.Select(r => (r.Status, r.Source, r.WordingVersion)).ShouldBe([("OptedIn", "DoubleOptIn", "double-opt-in-page-v1"), ("Pending", "Api", "api-signup-v1")]);
        (await api.ConsentAsync(germans[12].Id)).History.ShouldBeEmpty();

        // Segment: counted before it is saved (an unfinished condition is left out and named), then saved.
        var rule = Rule(("country", "equals", "DE"));
        var unfinished = await api.PreviewPOST2Async(new RulePreviewRequest { Rule = Rule(("country", "equals", "DE"), ("city", "equals", null)) });
        (unfinished.Count, unfinished.Error, unfinished.Unfinished.Count).ShouldBe((13, null, 1));
        var segment = await api.SegmentsPOSTAsync(new SegmentRequest { Name = "Germany (API)", Description = "Everyone in Germany", Rule = rule });
        (await api.PreviewGET2Async(segment.Id)).Count.ShouldBe(13);

        // Template: saved, then previewed for one customer as a send would render it.
        var saved = await api.TemplatesPOSTAsync(new TemplateRequest
        {
            Name = "Spring (API)",
            Subject = "Hello {{ customer.first_name | default: \"there\" }}",
            Html = "<p>Hi {{ customer.first_name | default: \"there\" }}, spring is here.</p><p><a href=\"https://shop.example.com/spring\">See the offers</a></p>",
            Text = "Hi {{ customer.first_name | default: \"there\" }}, spring is here: https://shop.example.com/spring",
        });
        saved.Errors.ShouldBeEmpty();
        (await api.PreviewGETAsync(saved.Id, customerId: germans[1].Id)).Subject.ShouldBe($"Hello {germans[1].FirstName}");

        // Review, as the wizard shows it: 13 in the audience, 12 may be mailed, nothing blocks the launch.
        var draft = new CampaignRequest { Name = "Spring in Germany (API)", SegmentId = segment.Id, TemplateId = saved.Id, Schedule = "now" };
        var review = await api.ReviewAsync(draft);
        (review.Audience, review.Mailable, review.Suppressed, review.WillBeMailed, review.CanLaunch).ShouldBe((13, 12, 1, 12, true), string.Join(" ", review.Problems));
        review.Contents.ShouldHaveSingleItem().Preview.Subject.ShouldStartWith("Hello Anna");

        // Launch, then wait for the worker to send everything over SMTP.
        var campaign = await api.CampaignsPOSTAsync(draft);
        campaign.Status.ShouldBe("Scheduled");
        campaign = await UntilAsync(() => api.CampaignsGETAsync(campaign.Id), c => c.Status is "Completed" or "Cancelled" or "Paused");
        (campaign.Status, campaign.Sent, campaign.Failed, campaign.Queued).ShouldBe(("Completed", 12, 0, 0));

        var received = studio.Smtp.MessagesOf(campaign.Id);
        received.Select(m => m.To.Mailboxes.Single().Address).Order().ShouldBe(germans.Take(12).Select(c => c.Email!).Order());
        received.ShouldAllBe(m => (m.Subject ?? "").StartsWith("Hello Anna", StringComparison.Ordinal) && (m.TextBody ?? "").Contains("spring is here", StringComparison.Ordinal));

        var results = await api.Results2Async(campaign.Id);
        var all = results.Variants.ShouldHaveSingleItem();
        (all.Sent, all.Opened, all.Clicked).ShouldBe((12L, 0L, 0L));
        (await api.CampaignsAllAsync()).ShouldContain(c => c.Id == campaign.Id && c.Sent == 12);

        // The lifecycle stays where it is: a finished campaign cannot be paused or cancelled.
        var refused = await Should.ThrowAsync<ApiException>(() => api.CancelAsync(campaign.Id));
        refused.StatusCode.ShouldBe(409);
        refused.Response!.ShouldContain("completed");
    }

    /// <summary>A rule of conditions that must all match, as the generated client's free-form JSON object; a null value is a condition not filled in yet.</summary>
    private static JsonElement Rule(params (string Field, string Operator, string? Value)[] conditions)
    {
        var rule = new JsonElement();
        rule.AdditionalProperties["version"] = 1;
        rule.AdditionalProperties["root"] = new
        {
            type = "group",
            @operator = "and",
            children = conditions.Select(c => new Dictionary<string, string?> { ["type"] = "condition", ["field"] = c.Field, ["operator"] = c.Operator, ["value"] = c.Value }),
        };
        return rule;
    }

    private MimeMessage? MailTo(string address) => Directory.GetFiles(studio.Smtp.Folder, "*.eml").Select(f => MimeMessage.Load(f))
        .FirstOrDefault(m => m.To.Mailboxes.Any(a => a.Address == address));

    /// <summary>Asks again until the answer is the one waited for (the import and the worker run in the background), at most <see cref="Patience"/>.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T>> ask, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var answer = await ask();
            if (done(answer))
            {
                return answer;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
