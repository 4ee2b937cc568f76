using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Features.Campaigns;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The template library through the API and the service: rendering template source is an edit (a Manager previews only
/// saved templates, whose source the server loads), and a runaway template fails as a message, not as the server.
/// </summary>
public sealed class TemplatesApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The template routes that change or render marketer-supplied source (the authorization test checks the list is complete).</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern, string Url)> MutatingRoutes =
    [
        ("POST", "/api/templates/", "/api/templates"),
        ("PUT", "/api/templates/{id:int}", "/api/templates/1"),
        ("DELETE", "/api/templates/{id:int}", "/api/templates/1"),
        ("POST", "/api/templates/preview", "/api/templates/preview"),
        ("POST", "/api/templates/test-send", "/api/templates/test-send"),
    ];

    private const string Runaway = "{% for i in (1..100000000) %}x{% endfor %}";

    [Fact]
    public async Task AManagerIsDeniedEveryRouteThatTakesTemplateSourceButPreviewsSavedTemplates()
    {
        var id = await new CampaignTestBuilder(app.Services).TemplateAsync("Saved for managers", subject: "Saved subject for {{ customer.first_name | default: \"you\" }}");
        var manager = await ApiClientAsync("manager@demo.local");
        var source = new { subject = "Injected {{ customer.email }}", html = "<p>{{ customer.email }}</p>", customerId = (long?)null, to = "x@example.com" };

        foreach (var (method, _, url) in MutatingRoutes)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("/1", $"/{id}", StringComparison.Ordinal)) { Content = JsonContent.Create(source) };
            (await manager.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {url}");
        }

        var saved = await manager.GetFromJsonAsync<PreviewDto>($"/api/templates/{id}/preview");
        saved!.Subject.ShouldBe("Saved subject for Alex");
        saved.Errors.ShouldBeEmpty();
        (await manager.GetFromJsonAsync<List<TemplateItemDto>>("/api/templates"))!.ShouldContain(t => t.Id == id);
        (await manager.GetAsync("/api/templates/999999/preview")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await using var db = await Db.CreateDbContextAsync();
        (await db.EmailTemplates.AsNoTracking().SingleAsync(t => t.Id == id)).Subject.ShouldStartWith("Saved subject");
    }

    [Fact]
    public async Task AManagersServiceCallsThatRenderSourceAreRefused()
    {
        using var scope = await ScopeAsAsync("manager@demo.local");
        var templates = scope.ServiceProvider.GetRequiredService<TemplateService>();

        await Should.ThrowAsync<StudioForbiddenException>(() => templates.PreviewAsync(new TemplateSource("Hi", null, "<p>{{ customer.email }}</p>", null), null, null));
        await Should.ThrowAsync<StudioForbiddenException>(() => templates.TestSendAsync(new TemplateSource("Hi", null, "<p>x</p>", null), null, "x@example.com", null));

        var id = await new CampaignTestBuilder(app.Services).TemplateAsync("Saved for the service", subject: "Stored {{ campaign.discount_tier }}");
        var saved = await templates.PreviewSavedAsync(id, null, "10%");
        saved!.Message!.Subject.ShouldBe("Stored 10%");
        (await templates.PreviewSavedAsync(999_999, null, null)).ShouldBeNull();
    }

    [Fact]
    public async Task AMarketerSavesPreviewsAndChecksTemplatesThroughTheApi()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");

        var created = await marketer.PostAsJsonAsync("/api/templates", new { name = "API mail", subject = "Hi {{ customer.first_name | default: \"there\" }}", html = "<p>Hello</p>" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<SavedDto>())!.Id;
        (await marketer.PutAsJsonAsync($"/api/templates/{id}", new { name = "API mail", subject = "Hi", html = "<p>{% if x %}</p>" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await marketer.GetFromJsonAsync<TemplateDto>($"/api/templates/{id}"))!.Html.ShouldBe("<p>{% if x %}</p>");
        var broken = await marketer.GetFromJsonAsync<PreviewDto>($"/api/templates/{id}/preview");
        broken!.Html.ShouldBeNull();
        broken.Errors.ShouldHaveSingleItem().Part.ShouldBe("Html");

        var preview = await marketer.PostAsJsonAsync("/api/templates/preview", new { subject = "Hi", html = "<p>{{ \"x\" | upcase }}</p>" });
        preview.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await preview.Content.ReadFromJsonAsync<PreviewDto>())!.Html!.ShouldContain("<p>X</p>");

        (await marketer.PutAsJsonAsync("/api/templates/999999", new { name = "Nobody", subject = "Hi", html = "<p>x</p>" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await marketer.DeleteAsync($"/api/templates/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await marketer.GetAsync($"/api/templates/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ARunawayTemplateFailsItsPreviewWithinASecondAndTheServerKeepsAnswering()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var anonymous = app.CreateClient();
        (await marketer.PostAsJsonAsync("/api/templates/preview", new { subject = "Warm-up", html = "<p>x</p>" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var clock = Stopwatch.StartNew();
        var previews = Enumerable.Range(0, 4).Select(_ => marketer.PostAsJsonAsync("/api/templates/preview", new { subject = "Hi", html = Runaway })).ToList();
        var health = await anonymous.GetStringAsync("/healthz");
        var responses = await Task.WhenAll(previews);
        clock.Stop();

        health.ShouldBe("Healthy");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        foreach (var response in responses)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var result = await response.Content.ReadFromJsonAsync<PreviewDto>();
            result!.Html.ShouldBeNull();
            var error = result.Errors.ShouldHaveSingleItem();
            (error.Part, error.Message).ShouldBe(("Html", "The template could not be rendered for customer 0: The range (1..100000000) has 100,000,000 numbers; a range may have at most 10,000 numbers."));
        }
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

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

    private sealed record TemplateItemDto(int Id, string Name, bool IsValid);

    private sealed record TemplateDto(int Id, string Name, string Subject, string? Preheader, string Html, string? Text);

    private sealed record SavedDto(int Id, List<ErrorDto> Errors, List<string> Warnings);

    private sealed record PreviewDto(string? Subject, string? Preheader, string? Html, string? Text, List<ErrorDto> Errors, List<string> SpamWarnings);

    private sealed record ErrorDto(string Part, string Message, int Line, int Column);
}
