using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// A launched policy's round ("… — offers round 2") after the launch, through the real host and database: its lifecycle, its
/// weighted read-out, predicted against realised value, and its rows joining the next training.
/// </summary>
public sealed class LaunchedRoundTests(SqliteSmtpStudio studio) : IClassFixture<SqliteSmtpStudio>
{
    private const string Costs = """{"margin":0.40,"arms":{"Mail":{"discount":0,"messageCost":0.01,"redemptionCost":0},"10 % off":{"discount":0.10,"messageCost":0.01,"redemptionCost":0},"20 % off":{"discount":0.20,"messageCost":0.01,"redemptionCost":0}}}""";

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = studio.App.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await studio.App.ApiKeyForAsync(email));
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private AsyncServiceScope As(string role)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope;
    }

    /// <summary>
    /// Imports a four-offer file of <paramref name="rows"/> rows whose ids (prefix <paramref name="prefix"/>) are all mailable
    /// studio customers, trains its policy and launches it with the campaign scheduled <paramref name="sendIn"/> from now.
    /// </summary>
    private async Task<(int Source, PolicyLaunchResponse Round)> LaunchAsync(string prefix, int rows, int seed, TimeSpan sendIn,
        double exploration = 0.10, double holdout = 0.10)
    {
        var ids = await Build.CustomersAsync(prefix, rows, optedIn: rows);
        await using (var db = await Db.CreateDbContextAsync())
        {
            var customers = await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync();
            foreach (var customer in customers)
            {
                customer.ExternalId = $"{prefix}-{ids.IndexOf(customer.Id) + 1:000000}";
            }

            await db.SaveChangesAsync();
        }

        var marketer = await ClientAsync("marketer@demo.local");
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(rows, seed).Replace("S-", prefix + "-", StringComparison.Ordinal)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        foreach (var (key, value) in new[] { ("armColumn", "offer"), ("controlArm", OfferShopCsv.NoMessage), ("id", "customer_id") })
        {
            form.Add(new StringContent(value), key);
        }

        var imported = await marketer.PostAsync("/api/experiments/import", form);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var source = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
        var started = await marketer.PostAsync($"/api/experiments/{source}/policy", Json(Costs));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        await Services.GetRequiredService<OfferPolicyJobs>().Completion(source)!;

        var template = await Build.TemplateAsync($"{prefix} offer");
        var body = JsonSerializer.Serialize(new
        {
            templates = new Dictionary<string, int> { ["Mail"] = template, ["10 % off"] = template, ["20 % off"] = template },
            explorationShare = exploration,
            holdoutShare = holdout,
            scheduledAt = studio.App.Clock.GetUtcNow().UtcDateTime + sendIn,
        });
        var launched = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(body));
        launched.StatusCode.ShouldBe(HttpStatusCode.Created, await launched.Content.ReadAsStringAsync());
        return (source, JsonSerializer.Deserialize<PolicyLaunchResponse>(await launched.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!);
    }

    [Fact]
    public async Task ALaunchedRoundWaitsForItsCampaignAndCannotBeStartedOrEdited()
    {
        var (_, round) = await LaunchAsync("WAIT", rows: 800, seed: 21, sendIn: TimeSpan.FromDays(2));
        int assignments;
        await using (var db = await Db.CreateDbContextAsync())
        {
            assignments = await db.Assignments.CountAsync(a => a.ExperimentId == round.ExperimentId);
        }

        // The service refuses, in one sentence, whoever asks.
        await using (var scope = As(Roles.Marketer))
        {
            var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();
            (await Should.ThrowAsync<ExperimentStateException>(() => experiments.StartAsync(round.ExperimentId, confirmed: true)))
                .Message.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
            var design = (await experiments.DesignAsync(round.ExperimentId))!;
            (await Should.ThrowAsync<ExperimentStateException>(() => experiments.SaveAsync(round.ExperimentId, design)))
                .Message.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
        }

        // The API says 409 with the same sentence.
        var marketer = await ClientAsync("marketer@demo.local");
        var start = await marketer.PostAsync($"/api/experiments/{round.ExperimentId}/start", Json("""{"confirm":true}"""));
        start.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await start.Content.ReadAsStringAsync()).ShouldContain("it starts by itself when its campaign sends");
        var preview = await marketer.GetAsync($"/api/experiments/{round.ExperimentId}/start-preview");
        preview.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var designJson = await marketer.GetStringAsync($"/api/experiments/{round.ExperimentId}/design");
        var edit = await marketer.PostAsync($"/api/experiments/{round.ExperimentId}/design", Json(designJson));
        edit.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await edit.Content.ReadAsStringAsync()).ShouldContain("its arms can no longer change");

        // The page offers neither, and says why; the edit page shows the reason instead of the form.
        var client = await studio.App.SignedInClientAsync("marketer@demo.local");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync($"/experiments/{round.ExperimentId}"));
        page.QuerySelector("[data-testid=start-experiment]").ShouldBeNull();
        page.QuerySelector("[data-testid=edit-experiment]").ShouldBeNull();
        page.QuerySelector("[data-testid=experiment-status]")!.TextContent.ShouldContain("Waiting for its campaign");
        page.QuerySelector("[data-testid=waits-for-campaign]")!.TextContent.ShouldBe(ExperimentLifecycle.AssignedAtCreation);
        var editPage = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync($"/experiments/{round.ExperimentId}/edit"));
        editPage.QuerySelector("[data-testid=design-fixed]")!.TextContent.ShouldContain(ExperimentLifecycle.AssignedAtCreation);
        editPage.QuerySelector("[data-testid=design-name]").ShouldBeNull();

        await using (var db = await Db.CreateDbContextAsync())
        {
            var experiment = await db.Experiments.SingleAsync(e => e.Id == round.ExperimentId);
            experiment.Status.ShouldBe(ExperimentStatus.Draft);
            (await db.Assignments.CountAsync(a => a.ExperimentId == round.ExperimentId)).ShouldBe(assignments);
        }
    }
}
