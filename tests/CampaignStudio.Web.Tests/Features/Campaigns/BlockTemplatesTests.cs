using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Features.Settings;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// Templates built from blocks, the brand they use, unknown merge fields said at save and in the review, and test sends to
/// several addresses — through the API twins and the services the editor calls, on a real SQLite file and pickup folder.
/// </summary>
public sealed class BlockTemplatesTests(ConsentStudioFactory app) : IClassFixture<ConsentStudioFactory>
{
    /// <summary>The brand route that changes state (the authorization test checks the list is complete).</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes = [("PUT", "/api/settings/brand")];

    private const string Blocks = """
        {"blocks":[
          {"type":"header","shopName":"Demo Shop"},
          {"type":"heading","text":"Hi {{ customer.firstname | default: \"there\" }}"},
          {"type":"text","text":"New in {{ top_category | default: \"the shop\" }}."},
          {"type":"button","label":"Shop now","url":"https://shop.example.com/"},
          {"type":"products","count":2,"heading":"For you"},
          {"type":"footer"}
        ]}
        """;

    [Fact]
    public async Task AMarketerSavesABlockTemplateThroughTheApiAndItIsStoredAsBlocksAndCompiledHtml()
    {
        await app.SetSenderAsync();
        var marketer = await ApiClientAsync("marketer@demo.local");

        var created = await marketer.PostAsync("/api/templates", Json($$"""{"name":"Block mail","subject":"Hello","blocks":{{Blocks}}}"""));

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var saved = (await created.Content.ReadFromJsonAsync<SavedDto>())!;
        saved.Errors.ShouldBeEmpty();
        saved.Warnings.ShouldContain("{{ customer.firstname }} is not a merge field, so it is empty for everyone — did you mean customer.first_name?");
        var stored = (await marketer.GetFromJsonAsync<TemplateDto>($"/api/templates/{saved.Id}"))!;
        stored.Html.ShouldContain("{% for p in recommendations limit: 2 %}");
        stored.Html.ShouldContain("max-width: 600px");
        stored.Text!.ShouldContain("Shop now: https://shop.example.com/");
        stored.Blocks.ShouldNotBeNull().Blocks.Count.ShouldBe(6);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.EmailTemplates.AsNoTracking().SingleAsync(t => t.Id == saved.Id)).BlocksJson.ShouldNotBeNull().ShouldContain("\"type\":\"products\"");
        }

        var preview = (await marketer.GetFromJsonAsync<PreviewDto>($"/api/templates/{saved.Id}/preview"))!;
        preview.Html.ShouldNotBeNull().ShouldContain("Hi there");
        preview.FieldWarnings.ShouldHaveSingleItem().ShouldContain("customer.firstname");

        // Saving HTML without blocks makes it an HTML template.
        (await marketer.PutAsJsonAsync($"/api/templates/{saved.Id}", new { name = "Block mail", subject = "Hello", html = "<p>{{ customer.first_name }}</p>" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await marketer.GetFromJsonAsync<TemplateDto>($"/api/templates/{saved.Id}"))!.Blocks.ShouldBeNull();
    }

    [Fact]
    public async Task BlocksCanBePreviewedBeforeTheyAreSaved()
    {
        await app.SetSenderAsync();
        var marketer = await ApiClientAsync("marketer@demo.local");

        var response = await marketer.PostAsync("/api/templates/preview", Json($$"""{"subject":"Hi","blocks":{{Blocks}}}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var preview = (await response.Content.ReadFromJsonAsync<PreviewDto>())!;
        preview.Html.ShouldNotBeNull().ShouldContain("Shop now</a>");
        preview.Text.ShouldNotBeNull().ShouldContain("Shop now: https://shop.example.com/");
    }

    [Fact]
    public async Task EveryRoleReadsTheBrandMarketersSetItAndBlocksUseIt()
    {
        await app.SetSenderAsync();
        var manager = await ApiClientAsync("manager@demo.local");
        var marketer = await ApiClientAsync("marketer@demo.local");
        var brand = new { primaryColor = "#aa0044", textColor = "#111111", backgroundColor = "#eeeeee", contentColor = "#ffffff", bodyFont = "Verdana", headingFont = "Georgia", logoUrl = (string?)null };

        (await manager.GetFromJsonAsync<BrandBody>("/api/settings/brand")).ShouldNotBeNull().Fonts.ShouldNotBeNull().ShouldContain("Verdana");
        (await manager.PutAsJsonAsync("/api/settings/brand", brand)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var bad = await marketer.PutAsJsonAsync("/api/settings/brand", brand with { primaryColor = "red" });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("The main colour must be written as # and six hex digits");
        (await marketer.PutAsJsonAsync("/api/settings/brand", brand)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await manager.GetFromJsonAsync<BrandBody>("/api/settings/brand"))!.PrimaryColor.ShouldBe("#aa0044");
        using var scope = await app.ScopeAsAsync("marketer@demo.local");
        var email = await scope.ServiceProvider.GetRequiredService<TemplateService>().CompileBlocksAsync(new BlockDocument { Blocks = [new ButtonBlock { Url = "https://shop.example.com/" }] });
        email.Html.ShouldContain("background-color: #aa0044");
        email.Html.ShouldContain("Verdana, Geneva, sans-serif");

        using var managerScope = await app.ScopeAsAsync("manager@demo.local");
        await Should.ThrowAsync<StudioForbiddenException>(() => managerScope.ServiceProvider.GetRequiredService<BrandService>().SaveAsync(BrandStyle.Default));
        await Should.ThrowAsync<StudioForbiddenException>(() => managerScope.ServiceProvider.GetRequiredService<TemplateService>().CompileBlocksAsync(BlockDocument.Starter()));
    }

    [Fact]
    public async Task ATestSendGoesToEveryAddressOrToNoneWhenOneIsNotAnAddress()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("block-test-target@example.com", optedIn: true, firstName: "Tina");
        var source = new TemplateSource("Hello {{ customer.first_name }}", null, "<p>Hi {{ customer.first_name }}</p>", null);
        using var scope = await app.ScopeAsAsync("marketer@demo.local");
        var templates = scope.ServiceProvider.GetRequiredService<TemplateService>();

        var before = app.OutboxFiles();
        var wrong = await templates.TestSendAsync(source, target, "one@shop.example, not-an-address", null);
        wrong.IsSent.ShouldBeFalse();
        wrong.Detail.ShouldBe("“not-an-address” is not an e-mail address.");
        var tooMany = await templates.TestSendAsync(source, target, string.Join(",", Enumerable.Range(1, 11).Select(i => $"t{i}@shop.example")), null);
        tooMany.Detail.ShouldBe("A test goes to at most 10 addresses; this one has 11.");
        app.OutboxFiles().Except(before).ShouldBeEmpty();

        var sent = await templates.TestSendAsync(source, target, "one@shop.example; two@shop.example, ONE@shop.example", null);

        sent.IsSent.ShouldBeTrue(sent.ToString());
        sent.Detail.ShouldBe("Sent to one@shop.example, two@shop.example");
        (await app.NewMailsAsync(before, "one@shop.example")).ShouldHaveSingleItem().Subject.ShouldBe("[Test] Hello Tina");
        (await app.NewMailsAsync(before, "two@shop.example")).ShouldHaveSingleItem().Subject.ShouldBe("[Test] Hello Tina");
    }

    [Fact]
    public async Task TheCampaignReviewNamesAnUnknownFieldEvenBehindADefault()
    {
        await app.SetSenderAsync();
        var target = await app.AddCustomerAsync("review-unknown@example.com", optedIn: true, firstName: "Uma");
        var build = new CampaignTestBuilder(app.Services);
        var segment = await build.SegmentAsync("Unknown field audience", [target]);
        var template = await build.TemplateAsync("Typo mail", "Hi", "<p>Hi {{ customer.firstname | default: \"there\" }}</p>");

        using var scope = await app.ScopeAsAsync("manager@demo.local");
        var review = await scope.ServiceProvider.GetRequiredService<CampaignService>().ReviewAsync(
            new CampaignDraft { Name = "Unknown field", SegmentId = segment, TemplateId = template });

        review.Contents.ShouldHaveSingleItem().FieldWarnings.ShouldNotBeNull().ShouldHaveSingleItem()
            .ShouldBe("{{ customer.firstname }} is not a merge field, so it is empty for everyone — did you mean customer.first_name?");
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private sealed record SavedDto(int Id, List<ErrorDto> Errors, List<string> Warnings);

    private sealed record TemplateDto(int Id, string Name, string Subject, string Html, string? Text, BlockDocument? Blocks);

    private sealed record PreviewDto(string? Subject, string? Html, string? Text, List<ErrorDto> Errors, List<string> FieldWarnings);

    private sealed record ErrorDto(string Part, string Message, int Line, int Column);
}
