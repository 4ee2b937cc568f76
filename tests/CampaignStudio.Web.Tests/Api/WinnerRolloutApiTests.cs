using System.Net;
using System.Security.Claims;
using System.Text.Json;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The winner rollout's design and state through the API: Marketers design it with the experiment (checked in words),
/// Managers read where it stands but cannot change it, and it starts only with its campaign.
/// </summary>
public sealed class WinnerRolloutApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public async Task AMarketerDesignsARolloutAManagerReadsItAndItStartsOnlyWithItsCampaign()
    {
        var builder = new CampaignTestBuilder(app.Services);
        var segment = await builder.SegmentAsync("Rollout API audience", await builder.CustomersAsync("rollout-api", 40, optedIn: 40));
        var template = await builder.TemplateAsync("Rollout API mail");
        var marketer = await ClientAsync("marketer@demo.local");
        var manager = await ClientAsync("manager@demo.local");

        var badShare = await marketer.PostAsync("/api/experiments/", Json(Design(segment, template, new { testShare = 1.5, waitHours = 24, confidence = 0.95 })));
        badShare.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badShare.Content.ReadAsStringAsync()).ShouldContain("The test share of a winner rollout must be between 0 % and 100 % of the audience.");
        var badFallback = await marketer.PostAsync("/api/experiments/", Json(Design(segment, template, new { testShare = 0.2, waitHours = 24, confidence = 0.95, fallbackArm = "Nobody" })));
        (await badFallback.Content.ReadAsStringAsync()).ShouldContain("The rollout's fallback “Nobody” is not an arm of this experiment.");

        var created = await marketer.PostAsync("/api/experiments/", Json(Design(segment, template, new { testShare = 0.2, waitHours = 48, confidence = 0.9, fallbackArm = "20 % off" })));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("experimentId").GetInt32();

        using (var design = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/design")))
        {
            var rollout = design.RootElement.GetProperty("rollout");
            rollout.GetProperty("testShare").GetDouble().ShouldBe(0.2);
            rollout.GetProperty("waitHours").GetInt32().ShouldBe(48);
            rollout.GetProperty("fallbackArm").GetString().ShouldBe("20 % off");
        }

        var read = await manager.GetAsync($"/api/experiments/{id}/rollout");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var state = JsonDocument.Parse(await read.Content.ReadAsStringAsync()))
        {
            state.RootElement.GetProperty("decision").GetString().ShouldBe(
                "Tests on 20 % of the audience, then after 48 hours the rest receives the arm with the highest chance to be best if it beats the control with 90 % confidence, else “20 % off”.");
            state.RootElement.GetProperty("decidedAt").ValueKind.ShouldBe(JsonValueKind.Null);
        }

        (await manager.PostAsync($"/api/experiments/{id}/design", Json(Design(segment, template, null)))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var start = await marketer.PostAsync($"/api/experiments/{id}/start", Json(new { confirm = true }));
        start.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await start.Content.ReadAsStringAsync()).ShouldContain("A winner rollout starts with its campaign");

        // The campaign review says the launch tests only the share and when the rest follows.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
            var campaigns = scope.ServiceProvider.GetRequiredService<CampaignService>();
            var option = (await campaigns.ChoicesAsync()).Experiments.Single(e => e.Id == id);
            var review = await campaigns.ReviewAsync(new CampaignDraft
            {
                Name = "Rollout review", SegmentId = segment, ExperimentId = id, Variants = option.Variants,
                VariantTemplates = option.Variants.ToDictionary(v => v.Id, v => v.TemplateId),
            });
            review.Rollout.ShouldBe("Winner rollout: the launch tests about 20 % of these customers, split across the arms as shown; 48 hours later the rest receives the winner, or “20 % off” without a clear one.");
        }

        // Turned off again: no rollout to read.
        (await marketer.PostAsync($"/api/experiments/{id}/design", Json(Design(segment, template, null)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await manager.GetAsync($"/api/experiments/{id}/rollout")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public void AnAdaptiveDesignCannotRollOutAWinner()
    {
        var design = new ExperimentDesign { Name = "Adaptive rollout", Allocation = Domain.Experiments.Allocation.Adaptive, Rollout = new RolloutDesign() };

        ExperimentService.Validate(design).ShouldContain("An adaptive experiment moves its weights itself: a winner rollout needs fixed weights.");
    }

    private static object Design(int segment, int template, object? rollout) => new
    {
        name = "Rollout over the API",
        audienceSegmentId = segment,
        metric = "Click",
        arms = new object[] { new { name = "Plain", isControl = true, emailTemplateId = template }, new { name = "20 % off", emailTemplateId = template } },
        guardrails = Array.Empty<string>(),
        rollout,
    };

    private async Task<HttpClient> ClientAsync(string user)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(user));
        return client;
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
