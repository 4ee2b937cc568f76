using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.TestSupport.Web;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The API twins of the segment builder, the campaign wizard and page, and the experiment page (issue 16): the same service
/// calls and role checks as the screens, refusals in words.
/// </summary>
public sealed class ApiParityTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The write routes added for API parity (the authorization test checks every write route is listed somewhere).</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern, string Url)> MutatingRoutes =
    [
        ("POST", "/api/segments/", "/api/segments"),
        ("PUT", "/api/segments/{id:int}", "/api/segments/1"),
        ("POST", "/api/segments/preview", "/api/segments/preview"),
        ("POST", "/api/segments/{id:int}/duplicate", "/api/segments/1/duplicate"),
        ("POST", "/api/segments/{id:int}/freeze", "/api/segments/1/freeze"),
        ("POST", "/api/campaigns/", "/api/campaigns"),
        ("POST", "/api/campaigns/review", "/api/campaigns/review"),
        ("POST", "/api/campaigns/{id:int}/pause", "/api/campaigns/1/pause"),
        ("POST", "/api/campaigns/{id:int}/resume", "/api/campaigns/1/resume"),
        ("POST", "/api/campaigns/{id:int}/confirm", "/api/campaigns/1/confirm"),
        ("POST", "/api/campaigns/{id:int}/cancel", "/api/campaigns/1/cancel"),
        ("POST", "/api/experiments/{id:int}/outcomes", "/api/experiments/1/outcomes"),
        ("POST", "/api/experiments/{id:int}/finish", "/api/experiments/1/finish"),
    ];

    private const string GermanyRule = """{"version":1,"root":{"type":"condition","field":"country","operator":"equals","value":"DE"}}""";

    [Fact]
    public async Task AManagerGetsAForbiddenProblemOnEveryNewWriteAndChangesNothing()
    {
        var builder = new CampaignTestBuilder(app.Services);
        var segment = await builder.SegmentAsync("Kept as it is", await builder.CustomersAsync("manager-denied", 3, optedIn: 3));
        var manager = await ClientAsync("manager@demo.local");
        var body = $$"""{"name":"Not allowed","rule":{{GermanyRule}},"segmentId":{{segment}},"schedule":"now"}""";

        foreach (var (method, _, url) in MutatingRoutes)
        {
            var response = await manager.SendAsync(new HttpRequestMessage(new HttpMethod(method), url.Replace("/1", $"/{segment}", StringComparison.Ordinal))
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            });
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {url}");
        }

        (await manager.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}")).GetProperty("name").GetString().ShouldBe("Kept as it is");
        (await manager.GetFromJsonAsync<JsonElement[]>("/api/campaigns"))!.ShouldBeEmpty();
        (await manager.GetFromJsonAsync<JsonElement>($"/api/segments/{segment}/preview")).GetProperty("count").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task AMarketerBuildsCountsSavesDuplicatesAndFreezesSegmentsAsTheBuilderDoes()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        (await marketer.PostAsJsonAsync("/api/customers/batch", new { customers = new[] { new { email = "a@seg-api.example", country = "DE" }, new { email = "b@seg-api.example", country = "FR" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        // Counting a half-built rule leaves the unfinished condition out, in words; saving it is refused, naming the condition.
        var halfBuilt = Json("""{"version":1,"root":{"type":"group","operator":"and","children":[{"type":"condition","field":"country","operator":"equals","value":"DE"},{"type":"condition","field":"city","operator":"equals"}]}}""");
        var count = await (await marketer.PostAsJsonAsync("/api/segments/preview", new { rule = halfBuilt })).Content.ReadFromJsonAsync<JsonElement>();
        count.GetProperty("count").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        count.GetProperty("unfinished").EnumerateArray().ShouldHaveSingleItem().GetString()!.ShouldContain("City");
        var refused = await marketer.PostAsJsonAsync("/api/segments", new { name = "Half built", rule = halfBuilt });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("City");
        var malformed = await marketer.PostAsJsonAsync("/api/segments", new { name = "Malformed", rule = Json("""{"version":1,"root":{"type":"condition","field":"country","operator":"equals","value":"DE","colour":"red"}}""") });
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var created = await marketer.PostAsJsonAsync("/api/segments", new { name = "Germany", description = "Everyone in DE", rule = Json(GermanyRule) });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var segment = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = segment.GetProperty("id").GetInt32();
        created.Headers.Location!.OriginalString.ShouldBe($"/api/segments/{id}");
        (segment.GetProperty("kind").GetString(), segment.GetProperty("rule").GetProperty("root").GetProperty("value").GetString()).ShouldBe(("Rule", "DE"));

        var renamed = await marketer.PutAsJsonAsync($"/api/segments/{id}", new { name = "Germany and France", rule = Json(GermanyRule.Replace("\"equals\",\"value\":\"DE\"", "\"in\",\"values\":[\"DE\",\"FR\"]", StringComparison.Ordinal)) });
        renamed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await marketer.GetFromJsonAsync<JsonElement>($"/api/segments/{id}")).GetProperty("name").GetString().ShouldBe("Germany and France");
        var members = (await marketer.GetFromJsonAsync<JsonElement>($"/api/segments/{id}/preview")).GetProperty("count").GetInt32();
        members.ShouldBeGreaterThanOrEqualTo(2);
        (await marketer.PutAsJsonAsync("/api/segments/999999", new { name = "Nobody", rule = Json(GermanyRule) })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var copy = await (await marketer.PostAsync($"/api/segments/{id}/duplicate", null)).Content.ReadFromJsonAsync<JsonElement>();
        copy.GetProperty("name").GetString().ShouldBe("Copy of Germany and France");
        var frozen = await marketer.PostAsync($"/api/segments/{id}/freeze", null);
        frozen.StatusCode.ShouldBe(HttpStatusCode.Created);
        var snapshot = await frozen.Content.ReadFromJsonAsync<JsonElement>();
        (snapshot.GetProperty("kind").GetString(), snapshot.GetProperty("memberCount").GetInt32()).ShouldBe(("Snapshot", members));
        (await marketer.GetFromJsonAsync<JsonElement>($"/api/segments/{snapshot.GetProperty("id").GetInt32()}/preview")).GetProperty("count").GetInt32().ShouldBe(members);
        var fixedList = await marketer.PutAsJsonAsync($"/api/segments/{snapshot.GetProperty("id").GetInt32()}", new { name = "Changed", rule = Json(GermanyRule) });
        fixedList.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var listed = await marketer.GetFromJsonAsync<JsonElement[]>("/api/segments");
        listed!.Select(s => s.GetProperty("id").GetInt32()).ShouldContain(id);
        listed!.Select(s => s.GetProperty("kind").GetString()).ShouldNotContain("Snapshot");
        (await marketer.PostAsync("/api/segments/999999/freeze", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheWizardsReviewBlocksALaunchAndTheCampaignPagesMovesFollowTheLifecycle()
    {
        await CampaignTestBuilder.SenderAsync(app.Services.GetRequiredService<SenderIdentityStore>());
        var builder = new CampaignTestBuilder(app.Services);
        var segment = await builder.SegmentAsync("Lifecycle audience", await builder.CustomersAsync("lifecycle-api", 12, optedIn: 11));
        var template = await builder.TemplateAsync("Lifecycle mail");
        var marketer = await ClientAsync("marketer@demo.local");

        var incomplete = await marketer.PostAsJsonAsync("/api/campaigns", new { name = "", segmentId = segment });
        incomplete.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problems = (await incomplete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        problems.ShouldBe(["Give the campaign a name.", "Choose a template for the campaign."]);
        (await marketer.PostAsJsonAsync("/api/campaigns/review", new { name = "x", segmentId = segment, schedule = "tomorrow" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await marketer.PostAsJsonAsync("/api/campaigns/review", new { name = "x", segmentId = segment, experimentId = 999999 })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var now = app.Clock.GetUtcNow().UtcDateTime;
        var later = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddDays(2);
        var draft = new { name = "Later", segmentId = segment, templateId = template, schedule = "later", localSendTime = later.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), timeZoneId = "UTC" };
        var review = await (await marketer.PostAsJsonAsync("/api/campaigns/review", draft)).Content.ReadFromJsonAsync<JsonElement>();
        (review.GetProperty("audience").GetInt32(), review.GetProperty("mailable").GetInt32(), review.GetProperty("canLaunch").GetBoolean()).ShouldBe((12, 11, true));
        review.GetProperty("fairness").GetArrayLength().ShouldBe(3);

        var launched = await marketer.PostAsJsonAsync("/api/campaigns", draft);
        launched.StatusCode.ShouldBe(HttpStatusCode.Created);
        var campaign = await launched.Content.ReadFromJsonAsync<JsonElement>();
        var id = campaign.GetProperty("id").GetInt32();
        (campaign.GetProperty("status").GetString(), campaign.GetProperty("scheduledAt").GetDateTime()).ShouldBe(("Scheduled", later));

        var pause = await marketer.PostAsync($"/api/campaigns/{id}/pause", null);
        pause.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await pause.Content.ReadAsStringAsync()).ShouldContain("The campaign is scheduled: it cannot be paused now.");
        (await marketer.PostAsync($"/api/campaigns/{id}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var cancelled = await marketer.PostAsync($"/api/campaigns/{id}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("Cancelled");
        (await marketer.PostAsync($"/api/campaigns/{id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await marketer.PostAsync("/api/campaigns/999999/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var manager = await ClientAsync("manager@demo.local");
        (await manager.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}")).GetProperty("status").GetString().ShouldBe("Cancelled");
        var results = await manager.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}/results");
        results.GetProperty("minGroupSize").GetInt32().ShouldBe(10);
        results.GetProperty("variants").GetArrayLength().ShouldBe(0);
        (await manager.GetAsync("/api/campaigns/999999/results")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheExperimentPagesFinishAndPlanAreThereForTheirRoles()
    {
        var started = app.Clock.GetUtcNow().UtcDateTime.AddDays(-10);
        var running = await new ExperimentTestBuilder(app.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CampaignStudio.Data.AppDbContext>>()).RatesAsync("Finish through the API", ExperimentStatus.Running, started,
            new("Control", 100, 10), new("Mail", 100, 15));
        var marketer = await ClientAsync("marketer@demo.local");

        var finished = await marketer.PostAsync($"/api/experiments/{running}/finish", null);
        finished.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await finished.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("Finished");
        var again = await marketer.PostAsync($"/api/experiments/{running}/finish", null);
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await again.Content.ReadAsStringAsync()).ShouldContain("Only a running experiment can be finished.");
        (await marketer.PostAsync("/api/experiments/999999/finish", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var manager = await ClientAsync("manager@demo.local");
        (await manager.GetFromJsonAsync<JsonElement>($"/api/experiments/{running}")).GetProperty("name").GetString().ShouldBe("Finish through the API");
        var plan = await manager.GetFromJsonAsync<JsonElement>("/api/experiments/plan?baselineRate=0.03&minimumDetectableEffect=0.1");
        plan.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        plan.GetProperty("plan").GetProperty("perArm").GetInt64().ShouldBeGreaterThan(10_000);
        var wrong = await manager.GetFromJsonAsync<JsonElement>("/api/experiments/plan?baselineRate=3&minimumDetectableEffect=0.1");
        wrong.GetProperty("error").GetString().ShouldNotBeNullOrEmpty();
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }
}
