using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The "which offer for whom" page as the server renders it: before training, for a manager, and with a trained policy.</summary>
public sealed class OfferPolicyPageTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private static readonly HtmlParser Html = new();

    private async Task<int> ImportAsync(int customers)
    {
        var marketer = app.CreateClient();
        marketer.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(customers, seed: 11)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        form.Add(new StringContent("offer"), "armColumn");
        form.Add(new StringContent(OfferShopCsv.NoMessage), "controlArm");
        form.Add(new StringContent("""{"arms":{"10 % off":{"discount":0.10,"messageCost":0.01},"20 % off":{"discount":0.20,"messageCost":0.01},"Mail":{"messageCost":0.01}}}"""), "costs");
        var created = await marketer.PostAsync("/api/experiments/import", form);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
    }

    [Fact]
    public async Task BeforeTrainingMarketersSeeTheCostFormAndTheTrainButtonAndManagersReadOnly()
    {
        var id = await ImportAsync(400);

        var marketer = Html.ParseDocument(await (await app.SignedInClientAsync("marketer@demo.local")).GetStringAsync($"/experiments/{id}/offers"));
        marketer.QuerySelector("[data-testid=policy-empty]").ShouldNotBeNull();
        marketer.QuerySelector("[data-testid=train-policy]").ShouldNotBeNull();
        marketer.QuerySelector("[data-testid=launch-policy]").ShouldBeNull("nothing to launch before a policy is trained");
        marketer.QuerySelectorAll("[data-testid=offer-cost-table] tbody tr").Length.ShouldBe(4);
        marketer.QuerySelector("[data-testid='offer-cost-10 % off']")!.InnerHtml.ShouldContain("value=\"10\"");

        var manager = Html.ParseDocument(await (await app.SignedInClientAsync("manager@demo.local")).GetStringAsync($"/experiments/{id}/offers"));
        manager.QuerySelector("[data-testid=train-policy]").ShouldBeNull();
        manager.QuerySelector("[data-testid=offer-read-only]").ShouldNotBeNull();
        manager.QuerySelector("[data-testid=policy-empty]").ShouldNotBeNull();

        var experiment = Html.ParseDocument(await (await app.SignedInClientAsync("manager@demo.local")).GetStringAsync($"/experiments/{id}"));
        experiment.QuerySelector("[data-testid=offers-link]")!.GetAttribute("href").ShouldBe($"/experiments/{id}/offers");
    }

    [Fact]
    public async Task ATrainedPolicyShowsTheRecommendationTheValueChartWhoGetsWhichOfferFairnessPerOfferAndWhoMayLaunchIt()
    {
        var id = await ImportAsync(6_000);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
            await await scope.ServiceProvider.GetRequiredService<OfferPolicyService>().StartAsync(id);
        }

        var result = (await app.Services.GetRequiredService<OfferPolicyStore>().GetAsync(id))!;
        var page = Html.ParseDocument(await (await app.SignedInClientAsync("manager@demo.local")).GetStringAsync($"/experiments/{id}/offers"));

        page.QuerySelector("[data-testid=policy-empty]").ShouldBeNull();
        page.QuerySelector("[data-testid=policy-recommendation]")!.TextContent.ShouldContain(result.Evaluation.Recommendation.Reason);
        page.QuerySelector("[data-testid=policy-value-chart]").ShouldNotBeNull();
        page.QuerySelectorAll("[data-testid=policy-shares] tbody tr").Select(r => r.Children[0].TextContent).ShouldBe(result.ArmNames);
        page.QuerySelectorAll("[data-testid=policy-fairness] [data-testid=fairness-panel]").Length.ShouldBe(result.Shares.Where((s, a) => a != result.ControlArm && s.Customers > 0).Count());
        page.QuerySelector("[data-testid=policy-csv]")!.GetAttribute("href").ShouldBe($"/api/experiments/{id}/policy.csv");

        // Managers see why they cannot launch; marketers can.
        page.QuerySelector("[data-testid=launch-policy]")!.HasAttribute("disabled").ShouldBeTrue();
        page.QuerySelector("[data-testid=launch-policy-reason]")!.TextContent.ShouldContain("Only an administrator or a marketer can launch a policy.");
        var marketer = Html.ParseDocument(await (await app.SignedInClientAsync("marketer@demo.local")).GetStringAsync($"/experiments/{id}/offers"));
        marketer.QuerySelector("[data-testid=launch-policy]")!.HasAttribute("disabled").ShouldBeFalse();
        marketer.QuerySelector("[data-testid=launch-policy]")!.TextContent.ShouldContain("Launch this policy");
    }
}
