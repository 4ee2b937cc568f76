using System.Net;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The links in e-mails: RFC 8058 one-click unsubscribe, the preference centre and double opt-in, through the real host.</summary>
public sealed class ConsentLinksTests(ConsentStudioFactory app) : IClassFixture<ConsentStudioFactory>
{
    [Fact]
    public async Task OneClickPostWithoutCookiesOrAntiforgeryOptsOutBeforeAnswering200()
    {
        var id = await app.AddCustomerAsync("one-click@example.com", optedIn: true);
        var client = app.CookielessClient();

        var response = await client.PostAsync(app.UnsubscribePath(id, campaignId: 7), ConsentStudioFactory.OneClick());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("Set-Cookie").ShouldBeFalse();
        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedOut);
        var last = log[^1];
        (last.Status, last.Source, last.CampaignId, last.Actor).ShouldBe((ConsentStatus.OptedOut, ConsentSource.UnsubscribeLink, (int?)7, "customer"));
        await using var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        (await db.Customers.Mailable().AnyAsync(c => c.Id == id)).ShouldBeFalse();

        // A provider retrying the POST changes nothing and adds no row.
        (await client.PostAsync(app.UnsubscribePath(id, 7), ConsentStudioFactory.OneClick())).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.ConsentOfAsync(id)).Log.Count.ShouldBe(log.Count);
    }

    [Fact]
    public async Task TamperedSwappedOrGuessedTokensGet404AndChangeNothing()
    {
        var id = await app.AddCustomerAsync("tamper@example.com", optedIn: true);
        var good = app.UnsubscribePath(id, 1)["/u/".Length..];
        var tampered = good[..20] + (good[20] == 'A' ? 'B' : 'A') + good[21..];
        var swapped = app.ConfirmPath(id)["/confirm/".Length..];
        string[] bad = [tampered, swapped, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a token", good + "x", good + "==", good + "=", " " + good];
        var client = app.CookielessClient();

        foreach (var token in bad)
        {
            var path = "/u/" + Uri.EscapeDataString(token);
            (await client.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.NotFound, token);
            (await client.PostAsync(path, ConsentStudioFactory.OneClick())).StatusCode.ShouldBe(HttpStatusCode.NotFound, token);
            (await client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "unsubscribe-all" })))
                .StatusCode.ShouldBe(HttpStatusCode.NotFound, token);
        }

        // An unsubscribe token is no double opt-in token either.
        (await client.PostAsync("/confirm/" + good, null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedIn);
        log.Count.ShouldBe(1);
    }

    [Fact]
    public async Task UnsubscribeLinksStillWorkAfterSixtyDaysAndExpireEventually()
    {
        var early = await app.AddCustomerAsync("sixty-days@example.com", optedIn: true);
        var late = await app.AddCustomerAsync("four-hundred-days@example.com", optedIn: true);
        var earlyPath = app.UnsubscribePath(early);
        var latePath = app.UnsubscribePath(late);
        var client = app.CookielessClient();
        try
        {
            app.Clock.MoveBy(TimeSpan.FromDays(61));
            (await client.GetAsync(earlyPath)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await client.PostAsync(earlyPath, ConsentStudioFactory.OneClick())).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await app.ConsentOfAsync(early)).Status.ShouldBe(ConsentStatus.OptedOut);

            app.Clock.MoveBy(TimeSpan.FromDays(401));
            (await client.PostAsync(latePath, ConsentStudioFactory.OneClick())).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await app.ConsentOfAsync(late)).Status.ShouldBe(ConsentStatus.OptedIn);
        }
        finally
        {
            app.Clock.Reset();
        }
    }

    [Fact]
    public async Task APostWithoutTheOneClickBodyIsRefusedAndChangesNothing()
    {
        var id = await app.AddCustomerAsync("no-body@example.com", optedIn: true);
        var response = await app.CookielessClient().PostAsync(app.UnsubscribePath(id), new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "y" }));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await app.ConsentOfAsync(id)).Status.ShouldBe(ConsentStatus.OptedIn);
    }

    [Fact]
    public async Task TheUnsubscribePageChangesNothingOnGetOptsOutInOneClickAndBackInOnlyThroughAConfirmationEmail()
    {
        await app.SetSenderAsync();
        var id = await app.AddCustomerAsync("preferences@example.com", optedIn: true);
        var path = app.UnsubscribePath(id, 3);
        var client = app.CookielessClient();

        var page = WebUtility.HtmlDecode(await client.GetStringAsync(path));
        page.ShouldContain("data-testid=\"unsubscribe-confirm\"");
        page.ShouldContain("p••••••@example.com");
        page.ShouldNotContain("preferences@example.com");
        (await app.ConsentOfAsync(id)).Log.Count.ShouldBe(1);

        // A withdrawal is always one click.
        var off = await client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "unsubscribe-all" }));
        off.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await app.ConsentOfAsync(id)).Status.ShouldBe(ConsentStatus.OptedOut);
        (await client.GetStringAsync(off.Headers.Location!.OriginalString)).ShouldContain("You are unsubscribed");

        // Back in: someone who agreed before may ask again here, but only their click in a confirmation e-mail opts them in.
        var before = app.OutboxFiles();
        var on = await client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["purpose"] = ConsentPurposes.Marketing }));
        on.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.Pending);
        (log[^1].Status, log[^1].Source, log[^1].Actor, log[^1].WordingVersion, log[^1].CampaignId)
            .ShouldBe((ConsentStatus.Pending, ConsentSource.PreferenceCentre, "customer", "preference-centre-v1", (int?)3));
        (await client.GetStringAsync(on.Headers.Location!.OriginalString)).ShouldContain("data-testid=\"confirmation-sent\"");

        var mail = (await app.NewMailsAsync(before, "preferences@example.com")).ShouldHaveSingleItem();
        var confirm = System.Text.RegularExpressions.Regex.Match(mail.TextBody!, "https://studio.example(/confirm/[A-Za-z0-9_%-]+)").Groups[1].Value;
        confirm.ShouldNotBeEmpty();
        (await client.PostAsync(confirm, null)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedIn);
        (log[^1].Source, log[^1].Actor).ShouldBe((ConsentSource.DoubleOptIn, "customer"));
    }

    [Fact]
    public async Task ALeakedPreferenceLinkCannotFloodAnInboxWithConfirmationEmails()
    {
        await app.SetSenderAsync();
        var id = await app.AddCustomerAsync("flooded@example.com", optedIn: true);
        var path = app.UnsubscribePath(id, 5);
        var client = app.CookielessClient();
        (await client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "unsubscribe-all" })))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var before = app.OutboxFiles();
        var tick = () => client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["purpose"] = ConsentPurposes.Marketing }));

        try
        {
            for (var i = 0; i < 8; i++)
            {
                (await tick()).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            }

            (await app.NewMailsAsync(before, "flooded@example.com")).Count.ShouldBe(ConsentRules.ConfirmationsPerDay);
            var refused = await tick();
            WebUtility.HtmlDecode(await client.GetStringAsync(refused.Headers.Location!.OriginalString)).ShouldContain("confirmation e-mails today");
            (await app.ConsentOfAsync(id)).Log.Count(r => r.Status == ConsentStatus.Pending).ShouldBe(ConsentRules.ConfirmationsPerDay);

            // A day later the person can ask again.
            app.Clock.MoveBy(TimeSpan.FromHours(25));
            (await tick()).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await app.NewMailsAsync(before, "flooded@example.com")).Count.ShouldBe(ConsentRules.ConfirmationsPerDay + 1);
        }
        finally
        {
            app.Clock.Reset();
        }
    }

    [Fact]
    public async Task ThePreferenceCentreCannotOptInSomeoneWhoNeverAgreedAndSaysWhatToDoInstead()
    {
        await app.SetSenderAsync();
        var id = await app.AddCustomerAsync("never-agreed@example.com", optedIn: false);
        var path = app.UnsubscribePath(id, 4);
        var client = app.CookielessClient();
        var before = app.OutboxFiles();

        var page = WebUtility.HtmlDecode(await client.GetStringAsync(path));
        page.ShouldContain("data-testid=\"cannot-subscribe-here\"");

        // A forged form post (the box is not even offered) is refused the same way.
        var on = await client.PostAsync(path + "/preferences", new FormUrlEncodedContent(new Dictionary<string, string> { ["purpose"] = ConsentPurposes.Marketing }));

        on.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await client.GetStringAsync(on.Headers.Location!.OriginalString)).ShouldContain("data-testid=\"optin-not-possible\"");
        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.Unknown);
        log.ShouldBeEmpty();
        (await app.NewMailsAsync(before, "never-agreed@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ADoubleOptInWhoseMailCannotBeSentRecordsNoPendingRowThroughTheApiOrTheScreen()
    {
        await app.SetSenderAsync();
        var id = await app.AddCustomerAsync("mail-fails@example.com", optedIn: false);
        var marketer = await app.SignedInClientAsync("marketer@demo.local");

        using (app.BreakOutbox())
        {
            var send = await marketer.PostAsync($"/api/customers/{id}/consent/double-opt-in", JsonContent("""{"wordingVersion":"shop-footer-form-v4"}"""));
            send.StatusCode.ShouldBe(HttpStatusCode.Conflict);

            using var scope = await app.ScopeAsAsync("marketer@demo.local");
            var screen = await scope.ServiceProvider.GetRequiredService<ConsentService>().SendDoubleOptInAsync(id);
            screen.Sent.ShouldBeFalse();
            screen.Error.ShouldNotBeNull();
        }

        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.Unknown);
        log.ShouldBeEmpty();
    }

    [Fact]
    public async Task DoubleOptInMailsASignedLinkWhoseGetChangesNothingAndWhosePostConfirms()
    {
        await app.SetSenderAsync();
        var id = await app.AddCustomerAsync("double-opt-in@example.com", optedIn: false, firstName: "Dora");
        var marketer = await app.SignedInClientAsync("marketer@demo.local");
        var before = Directory.Exists(app.Outbox) ? Directory.GetFiles(app.Outbox, "*.eml").ToHashSet() : [];

        var send = await marketer.PostAsync($"/api/customers/{id}/consent/double-opt-in", JsonContent("""{"wordingVersion":"shop-footer-form-v4"}"""));

        send.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var (pending, pendingLog) = await app.ConsentOfAsync(id);
        pending.ShouldBe(ConsentStatus.Pending);
        (pendingLog[^1].Source, pendingLog[^1].WordingVersion).ShouldBe((ConsentSource.Api, "shop-footer-form-v4"));
        var file = Directory.GetFiles(app.Outbox, "*.eml").Single(f => !before.Contains(f));
        var message = await MimeMessage.LoadAsync(file);
        message.To.Mailboxes.Single().Address.ShouldBe("double-opt-in@example.com");
        message.Headers["List-Unsubscribe-Post"].ShouldBe("List-Unsubscribe=One-Click");
        message.TextBody!.ShouldContain("Demo Shop, 1 Main Street, 10115 Berlin");
        var link = System.Text.RegularExpressions.Regex.Match(message.TextBody!, "https://studio.example(/confirm/[A-Za-z0-9_%-]+)").Groups[1].Value;
        link.ShouldNotBeEmpty();

        // A link scanner's GET shows the button and changes nothing.
        var client = app.CookielessClient();
        var get = await client.GetAsync(link);
        get.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await get.Content.ReadAsStringAsync()).ShouldContain("data-testid=\"confirm-subscription\"");
        (await app.ConsentOfAsync(id)).ShouldSatisfyAllConditions(c => c.Status.ShouldBe(ConsentStatus.Pending), c => c.Log.Count.ShouldBe(pendingLog.Count));

        var post = await client.PostAsync(link, null);
        post.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (status, log) = await app.ConsentOfAsync(id);
        status.ShouldBe(ConsentStatus.OptedIn);
        (log[^1].Source, log[^1].WordingVersion, log[^1].Actor).ShouldBe((ConsentSource.DoubleOptIn, "double-opt-in-page-v1", "customer"));
        (await client.GetStringAsync(post.Headers.Location!.OriginalString)).ShouldContain("You are subscribed");
    }

    [Fact]
    public async Task AnExpiredDoubleOptInLinkGets404()
    {
        var id = await app.AddCustomerAsync("expired-doi@example.com", optedIn: false);
        await app.Get<ConsentLedger>().RecordAsync(new ConsentChange(id, ConsentStatus.Pending, ConsentSource.Form, "customer", "signup-form-v1"));
        var path = app.ConfirmPath(id);
        var client = app.CookielessClient();
        try
        {
            app.Clock.MoveBy(TimeSpan.FromDays(8));
            (await client.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await client.PostAsync(path, null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        finally
        {
            app.Clock.Reset();
        }

        (await app.ConsentOfAsync(id)).Status.ShouldBe(ConsentStatus.Pending);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
