using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.TestSupport;
using CampaignStudio.Sending;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// The send pipeline through the real host, a real database (a SQLite file, or PostgreSQL) and a real SMTP server (aiosmtpd).
/// The background worker is switched off so each test drives launch and send passes itself and sees exactly what each pass did.
/// </summary>
public abstract class SendPipelineTests(SmtpStudio studio)
{
    public sealed class OnSqlite(SqliteSmtpStudio studio) : SendPipelineTests(studio), IClassFixture<SqliteSmtpStudio>;

    public sealed class OnPostgres(PostgresSmtpStudio studio) : SendPipelineTests(studio), IClassFixture<PostgresSmtpStudio>;

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private DateTime Now => studio.App.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task TheHourlyLimitHoldsAcrossARestartBecauseItIsCountedFromTheLedger()
    {
        var ids = await Build.CustomersAsync("hourly", 5, optedIn: 5);
        var segment = await Build.SegmentAsync("Hourly audience", ids);
        var template = await Build.TemplateAsync("Hourly mail");
        await using var scope = Services.CreateAsyncScope();
        var launched = await AsMarketer(scope).LaunchAsync(new CampaignDraft { Name = "Hourly", SegmentId = segment, TemplateId = template });
        var campaignId = launched.CampaignId!.Value;
        await Worker.StartDueCampaignsAsync(CancellationToken.None);

        // Two hours ahead, so mail other tests of this class sent in the last hour does not count against the limit.
        var clock = new StudioClock(studio.App.Clock.GetUtcNow());
        clock.MoveBy(TimeSpan.FromHours(2));
        var registered = Services.GetRequiredService<CampaignStudio.Messaging.MailOptions>();
        var limited = new CampaignStudio.Messaging.MailOptions
        {
            Transport = registered.Transport, Smtp = registered.Smtp,
            Send = new CampaignStudio.Messaging.Transport.SendOptions { MaxPerHour = 3, MaxAttempts = registered.Send.MaxAttempts, RetryBaseDelay = registered.Send.RetryBaseDelay },
        };
        CampaignSender NewWorkerProcess() => ActivatorUtilities.CreateInstance<CampaignSender>(Services, limited, clock);
        async Task<int> SentAsync()
        {
            await using var db = await Db.CreateDbContextAsync();
            return await db.Messages.CountAsync(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent);
        }

        await using (var first = NewWorkerProcess())
        {
            while (await first.RunOnceAsync(CancellationToken.None))
            {
            }
        }

        (await SentAsync()).ShouldBe(3);

        // A restart gets no fresh allowance: the new process counts the last hour's sends from the ledger.
        await using (var restarted = NewWorkerProcess())
        {
            (await restarted.RunOnceAsync(CancellationToken.None)).ShouldBeFalse();
        }

        (await SentAsync()).ShouldBe(3);

        clock.MoveBy(TimeSpan.FromHours(3.1));
        await using (var nextHour = NewWorkerProcess())
        {
            while (await nextHour.RunOnceAsync(CancellationToken.None))
            {
            }
        }

        (await SentAsync()).ShouldBe(5);
    }

    [Fact]
    public async Task TheReviewAuditsWhoWouldBeMailedPerGroupAndFlagsASkewBelowFourFifths()
    {
        var ids = await Build.CustomersAsync("fair", 20, optedIn: 20);
        await using (var db = await Db.CreateDbContextAsync())
        {
            foreach (var customer in await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync())
            {
                customer.Gender = ids.IndexOf(customer.Id) < 10 ? "fair-a" : "fair-b";
            }

            await db.SaveChangesAsync();
        }

        // All ten of group a, two of ten of group b (groups of at least k = 10, so both are compared): selection rates 100 % and 20 %.
        var segment = await Build.SegmentAsync("Fairness audience", ids.Take(12));
        var template = await Build.TemplateAsync("Fairness mail");
        await using var scope = Services.CreateAsyncScope();

        var review = await AsMarketer(scope).ReviewAsync(new CampaignDraft { Name = "Fair?", SegmentId = segment, TemplateId = template });

        var gender = review.Fairness.Single(f => f.Attribute == "Gender").Report;
        var a = gender.Groups.Single(g => g.Group == "fair-a");
        var b = gender.Groups.Single(g => g.Group == "fair-b");
        (a.N, a.Selected, b.N, b.Selected).ShouldBe((10, 10, 10, 2));
        b.SelectionRate.ShouldBe(0.2, 1e-12);
        gender.Flagged.ShouldBeTrue();
        review.Fairness.Select(f => f.Attribute).ShouldBe(["Gender", "Age band", "Country"]);
    }

    [Fact]
    public async Task LaunchSendsOneMailPerOptedInRecipientRetriesTempfailsFailsRejectsAndTracksOpensClicksAndConversions()
    {
        var ids = await Build.CustomersAsync("pipe", 9, optedIn: 6,
            email: i => i switch { 3 => "pipe3+tempfail@example.com", 4 => "pipe4+reject@example.com", _ => $"pipe{i}@example.com" },
            firstName: i => i == 5 ? "<script>alert('x')</script>" : $"Pipe{i}");
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Purchases.Add(new Purchase { CustomerId = ids[0], Amount = 20m, Category = "Shoes", Product = "Runner", PurchasedAt = Now.AddDays(-10), SourceKey = "p-shoes" });
            await db.SaveChangesAsync();
        }

        var segment = await Build.SegmentAsync("Pipeline audience", ids);
        var template = await Build.TemplateAsync("Pipeline mail");
        await using var scope = Services.CreateAsyncScope();
        var campaigns = AsMarketer(scope);
        var draft = new CampaignDraft { Name = "Pipeline", SegmentId = segment, TemplateId = template, DiscountTier = "15%" };

        var review = await campaigns.ReviewAsync(draft);
        (review.Audience, review.Mailable, review.Suppressed).ShouldBe((9, 6, 3));
        review.Problems.ShouldBeEmpty();
        review.Contents.Single().MergeFields!.Missing.ShouldBeEmpty();
        var launched = await campaigns.LaunchAsync(draft);
        launched.Problems.ShouldBeEmpty();
        var campaignId = launched.CampaignId!.Value;

        await DrainAsync(campaignId);

        var progress = (await campaigns.ProgressAsync(campaignId))!;
        progress.Campaign.Status.ShouldBe(CampaignStatus.Completed);
        (progress.Sent, progress.Failed, progress.Suppressed, progress.Queued).ShouldBe((5, 1, 3, 0));
        (progress.Sent + progress.Failed + progress.Suppressed).ShouldBe(progress.Campaign.AudienceCount);
        await using (var db = await Db.CreateDbContextAsync())
        {
            var rejected = await db.Messages.SingleAsync(m => m.CampaignId == campaignId && m.CustomerId == ids[4]);
            rejected.Status.ShouldBe(MessageStatus.Failed);
            rejected.Error!.ShouldContain("550");
            (await db.Messages.SingleAsync(m => m.CampaignId == campaignId && m.CustomerId == ids[3])).Status.ShouldBe(MessageStatus.Sent);
        }

        var mail = studio.Smtp.MessagesOf(campaignId);
        mail.Select(m => m.To.Mailboxes.Single().Address).Order().ShouldBe(["pipe0@example.com", "pipe1@example.com", "pipe2@example.com", "pipe3+tempfail@example.com", "pipe5@example.com"]);
        mail.Select(m => m.Headers[MessageBuilder.RecipientHeader]).Distinct().Count().ShouldBe(5);
        var anna = mail.Single(m => m.To.Mailboxes.Single().Address == "pipe0@example.com");
        anna.Subject.ShouldBe("Hi Pipe0");
        anna.HtmlBody!.ShouldContain("Your favourite: Shoes. Take 15% off.");
        anna.HtmlBody!.ShouldContain(WebUtility.HtmlEncode(CampaignTestBuilder.PostalAddress));
        anna.TextBody!.ShouldContain(CampaignTestBuilder.PostalAddress);
        anna.Headers[HeaderId.ListUnsubscribe].ShouldStartWith("<https://studio.example.com/u/");
        anna.TextBody!.ShouldContain("https://studio.example.com/u/");
        var xss = mail.Single(m => m.To.Mailboxes.Single().Address == "pipe5@example.com");
        xss.HtmlBody!.ShouldNotContain("<script>");
        xss.HtmlBody!.ShouldContain("&lt;script&gt;");

        // The click goes through a signed id to exactly the stored URL; a tampered id finds nothing.
        var client = studio.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var click = Regex.Match(anna.HtmlBody!, "https://studio.example.com(/t/c/[^\"]+)\"").Groups[1].Value;
        click.ShouldNotBeEmpty();
        anna.HtmlBody!.ShouldNotContain("href=\"https://shop.example.com");
        var redirect = await client.GetAsync(click);
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        redirect.Headers.Location!.OriginalString.ShouldBe("https://shop.example.com/sale?from=mail&id=7");
        var tampered = click[..^3] + (click[^3] == 'A' ? "B" : "A") + click[^2..];
        (await client.GetAsync(tampered)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/t/c/" + Uri.EscapeDataString("https://evil.example.com"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The token carries the target (decision 054): the link's row is made at its first click. A link of mail sent before
        // (a Data Protection token naming a stored row) still redirects and counts.
        var annaMessage = await MessageOfAsync(campaignId, "pipe0@example.com");
        await using (var db = await Db.CreateDbContextAsync())
        {
            var clicked = await db.TrackedLinks.AsNoTracking().SingleAsync(l => l.MessageId == annaMessage);
            (clicked.Url, clicked.Clicks).ShouldBe(("https://shop.example.com/sale?from=mail&id=7", 1));
            (await db.Messages.AsNoTracking().SingleAsync(m => m.Id == annaMessage)).ClickedAt.ShouldNotBeNull();
            db.TrackedLinks.Add(new TrackedLink { MessageId = annaMessage, Url = "https://shop.example.com/old-newsletter" });
            await db.SaveChangesAsync();
        }

        long oldLinkId;
        await using (var db = await Db.CreateDbContextAsync())
        {
            oldLinkId = await db.TrackedLinks.Where(l => l.Url == "https://shop.example.com/old-newsletter").Select(l => l.Id).SingleAsync();
        }

        var payload = new byte[9];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), oldLinkId);
        var oldToken = System.Buffers.Text.Base64Url.EncodeToString(Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("CampaignStudio.Messaging.Links").CreateProtector("TrackingLink.v1").Protect(payload));
        var old = await client.GetAsync("/t/c/" + oldToken);
        old.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        old.Headers.Location!.OriginalString.ShouldBe("https://shop.example.com/old-newsletter");
        var open = Regex.Match(xss.HtmlBody!, "https://studio.example.com(/t/o/[^\"]+)\"").Groups[1].Value;
        var pixel = await client.GetAsync(open);
        pixel.StatusCode.ShouldBe(HttpStatusCode.OK);
        pixel.Content.Headers.ContentType!.MediaType.ShouldBe("image/gif");

        // A purchase after the send, inside the attribution window, is the campaign's conversion.
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Purchases.Add(new Purchase { CustomerId = ids[0], Amount = 49.90m, PurchasedAt = Now.AddMinutes(1), SourceKey = "p-after" });
            await db.SaveChangesAsync();
        }

        var results = (await campaigns.ResultsAsync(campaignId)).Single();
        (results.Sent, results.Opened, results.Clicked, results.Conversions).ShouldBe((5, 2, 1, 1));
        results.Revenue.ShouldBe(49.90m, 0.001m);
    }

    [Fact]
    public async Task AScheduledCampaignFoundFarOverdueWaitsForConfirmationInsteadOfSending()
    {
        var ids = await Build.CustomersAsync("overdue", 3, optedIn: 3);
        var segment = await Build.SegmentAsync("Overdue audience", ids);
        var template = await Build.TemplateAsync("Overdue mail");
        var overdue = await Build.ScheduledCampaignAsync("Overdue", segment, template, at: Now.AddHours(-3));
        var future = await Build.ScheduledCampaignAsync("Tomorrow", segment, template, at: Now.AddDays(1));

        await Worker.StartDueCampaignsAsync(CancellationToken.None);

        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Campaigns.SingleAsync(c => c.Id == overdue)).Status.ShouldBe(CampaignStatus.AwaitingConfirmation);
            (await db.Campaigns.SingleAsync(c => c.Id == future)).Status.ShouldBe(CampaignStatus.Scheduled);
            (await db.Messages.CountAsync(m => m.CampaignId == overdue || m.CampaignId == future)).ShouldBe(0);
        }

        await using var scope = Services.CreateAsyncScope();
        (await AsMarketer(scope).ConfirmOverdueAsync(overdue)).ShouldBeTrue();
        await DrainAsync(overdue);
        studio.Smtp.MessagesOf(overdue).Count.ShouldBe(3);
        (await AsMarketer(scope).CancelAsync(future)).ShouldBeTrue();
    }

    [Fact]
    public async Task AnExperimentCampaignMailsEachArmItsOwnTemplateAndTheHoldoutNothing()
    {
        var ids = await Build.CustomersAsync("arm", 60, optedIn: 60);
        var segment = await Build.SegmentAsync("Arm audience", ids);
        var a = await Build.TemplateAsync("Arm A", subject: "Variant A");
        var b = await Build.TemplateAsync("Arm B", subject: "Variant B");
        var experiment = new Experiment
        {
            Name = "Subject test", AssignmentSalt = "salt-arms", CreatedBy = "test", CreatedAt = Now, Source = ExperimentSource.Campaign,
            Variants = [new Variant { Name = "A", IsControl = true, SortOrder = 0 }, new Variant { Name = "B", SortOrder = 1 }, new Variant { Name = "Holdout", IsHoldout = true, SortOrder = 2 }],
        };
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }

        var arms = experiment.Variants.ToDictionary(v => v.Name, v => v.Id);
        await using var scope = Services.CreateAsyncScope();
        var campaigns = AsMarketer(scope);
        var choices = await campaigns.ChoicesAsync();
        var draft = new CampaignDraft
        {
            Name = "Two variants", SegmentId = segment, ExperimentId = experiment.Id, Variants = choices.Experiments.Single(e => e.Id == experiment.Id).Variants,
            VariantTemplates = new() { [arms["A"]] = a, [arms["B"]] = b },
        };
        var campaignId = (await campaigns.LaunchAsync(draft)).CampaignId!.Value;
        await DrainAsync(campaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var assigned = await db.Assignments.Where(x => x.ExperimentId == experiment.Id).ToDictionaryAsync(x => x.CustomerId!.Value, x => x.VariantId);
            assigned.Count.ShouldBe(60);
            var messages = await db.Messages.Where(m => m.CampaignId == campaignId).ToListAsync();
            messages.Select(m => m.CustomerId).Order().ShouldBe(assigned.Where(x => x.Value != arms["Holdout"]).Select(x => x.Key).Order());
            messages.ShouldAllBe(m => m.VariantId == assigned[m.CustomerId] && m.Status == MessageStatus.Sent);
            assigned.Values.Distinct().Count().ShouldBe(3);
        }

        var mail = studio.Smtp.MessagesOf(campaignId);
        await using (var db = await Db.CreateDbContextAsync())
        {
            var byMessage = await db.Messages.Where(m => m.CampaignId == campaignId).ToDictionaryAsync(m => m.Id, m => m.VariantId);
            mail.ShouldAllBe(m => m.Subject == (byMessage[long.Parse(m.Headers[MessageBuilder.RecipientHeader]!, CultureInfo.InvariantCulture)] == arms["A"] ? "Variant A" : "Variant B"));
        }

        (await campaigns.ResultsAsync(campaignId)).Select(r => (r.Variant, r.NoMessage)).ShouldBe([("A", false), ("B", false), ("Holdout", true)]);
    }

    [Fact]
    public async Task ATemplateWithASyntaxErrorBlocksTheLaunchWithLineAndColumn()
    {
        var ids = await Build.CustomersAsync("broken", 2, optedIn: 2);
        var segment = await Build.SegmentAsync("Broken audience", ids);
        var template = await Build.TemplateAsync("Broken", html: "<p>Hello</p>\n<p>{% if customer.first_name %}unclosed</p>");
        await using var scope = Services.CreateAsyncScope();
        var campaigns = AsMarketer(scope);

        var result = await campaigns.LaunchAsync(new CampaignDraft { Name = "Broken", SegmentId = segment, TemplateId = template });

        result.CampaignId.ShouldBeNull();
        result.Problems.ShouldContain(p => p.Contains("“Broken”") && p.Contains("line 2"));
    }

    /// <summary>A template that parses but runs away: two loops of 10,000 are 100 million steps.</summary>
    private const string RunawayHtml = "<p>Hi</p>{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}";

    [Fact]
    public async Task ATemplateOverTheRenderLimitsBlocksTheLaunchWithTheReason()
    {
        var ids = await Build.CustomersAsync("runaway", 2, optedIn: 2);
        var segment = await Build.SegmentAsync("Runaway audience", ids);
        var template = await Build.TemplateAsync("Runaway", html: RunawayHtml);
        await using var scope = Services.CreateAsyncScope();

        var result = await AsMarketer(scope).LaunchAsync(new CampaignDraft { Name = "Runaway", SegmentId = segment, TemplateId = template });

        result.CampaignId.ShouldBeNull();
        result.Problems.ShouldContain(p => p.StartsWith("The template “Runaway” (", StringComparison.Ordinal) && p.Contains(") cannot be rendered: ", StringComparison.Ordinal)
            && p.EndsWith("The template takes more than 100,000 steps for one message; a loop runs too often.", StringComparison.Ordinal));
    }

    private CampaignSendWorker Worker => Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single();

    private static CampaignService AsMarketer(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
        return scope.ServiceProvider.GetRequiredService<CampaignService>();
    }

    private Task DrainAsync(int campaignId) => SendPasses.DrainAsync(Services, campaignId);

    private async Task<long> MessageOfAsync(int campaignId, string email)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Messages.Where(m => m.CampaignId == campaignId)
            .Join(db.Customers.Where(c => c.Email == email), m => m.CustomerId, c => c.Id, (m, _) => m.Id).SingleAsync();
    }
}
