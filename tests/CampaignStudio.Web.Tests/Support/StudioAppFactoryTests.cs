using System.Net;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>Every test host starts on the fixed day, so no test depends on the day it runs.</summary>
public sealed class StudioAppFactoryTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public void TheStudioReadsTheFixedDayFromItsStart()
    {
        var clock = app.Services.GetRequiredService<TimeProvider>();

        clock.ShouldBeSameAs(app.Clock);
        var now = clock.GetUtcNow();
        now.ShouldBeGreaterThanOrEqualTo(StudioClock.DefaultStart);
        now.ShouldBeLessThan(StudioClock.DefaultStart.AddHours(1), "the clock runs at the real pace from the fixed day");
    }

    [Fact]
    public void EveryTestHostOfTheStudioIsAStudioAppFactory()
    {
        // A factory of the studio that is not a StudioAppFactory would run on the system clock.
        var hosts = new[] { typeof(StudioAppFactoryTests).Assembly, typeof(StudioAppFactory).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(WebApplicationFactory<Program>)))
            .ToList();

        hosts.ShouldContain(typeof(ConsentStudioFactory));
        hosts.Where(t => t != typeof(StudioAppFactory) && !t.IsSubclassOf(typeof(StudioAppFactory))).Select(t => t.FullName).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheSignInCookieExpiresInTheClientsRealFuture()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var login = await client.GetAsync("/account/login");
        var token = StudioAppFactory.AntiforgeryToken(await login.Content.ReadAsStringAsync());
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = "manager@demo.local", ["password"] = StudioAppFactory.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));

        var response = await client.SendAsync(post);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(CampaignStudio.Web.Infrastructure.IdentitySetup.CookieName + "=", StringComparison.Ordinal));
        var expires = cookie.Split(';').Select(p => p.Trim()).Single(p => p.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))["expires=".Length..];

        // The client (HttpClient, a browser) judges the cookie on the real clock, not on the studio's fixed day.
        DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(DateTimeOffset.UtcNow);
    }
}
