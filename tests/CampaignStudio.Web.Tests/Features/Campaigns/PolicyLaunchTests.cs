using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Features.Experiments.Offers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// "Launch this policy" through the real host, database and SMTP server: a four-offer file whose ids are studio customers is
/// trained, launched with exploration and a holdout, and its campaign mails only the recipients of offers that send one.
/// </summary>
public sealed class PolicyLaunchTests(SqliteSmtpStudio studio) : IClassFixture<SqliteSmtpStudio>
{
    /// <summary>The launch route; the first test shows a manager gets 403 on it.</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern)> MutatingRoutes = [("POST", "/api/experiments/{id:int}/policy/launch")];

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

    [Fact]
    public async Task ALaunchedPolicyGivesEachMailableCustomerTheirOfferWithLoggedPropensitiesAndMailsOnlyTheOffersThatSend()
    {
        const int Rows = 1_200, Customers = 900, OptedIn = 800;
        const double Exploration = 0.2, Holdout = 0.1;

        // The file's first 900 ids are customers here (800 of whom may be mailed); the last 300 are not.
        var ids = await Build.CustomersAsync("launch", Customers, optedIn: OptedIn);
        await using (var db = await Db.CreateDbContextAsync())
        {
            var customers = await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync();
            foreach (var customer in customers)
            {
                customer.ExternalId = $"S-{ids.IndexOf(customer.Id) + 1:000000}";
            }

            await db.SaveChangesAsync();
        }

        var marketer = await ClientAsync("marketer@demo.local");
        var manager = await ClientAsync("manager@demo.local");
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(Rows, seed: 11)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        foreach (var (key, value) in new[] { ("armColumn", "offer"), ("controlArm", OfferShopCsv.NoMessage), ("id", "customer_id") })
        {
            form.Add(new StringContent(value), key);
        }

        var imported = await marketer.PostAsync("/api/experiments/import", form);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var source = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
        var templates = new Dictionary<string, int>
        {
            ["Mail"] = await Build.TemplateAsync("Plain mail", subject: "News from the shop"),
            ["10 % off"] = await Build.TemplateAsync("Ten off", subject: "10 % off for you"),
            ["20 % off"] = await Build.TemplateAsync("Twenty off", subject: "20 % off for you"),
        };
        var body = JsonSerializer.Serialize(new { templates, explorationShare = Exploration, holdoutShare = Holdout });

        var untrained = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(body));
        untrained.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await untrained.Content.ReadAsStringAsync()).ShouldContain("No policy is trained for this experiment yet");

        var started = await marketer.PostAsync($"/api/experiments/{source}/policy", Json(Costs));
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        await Services.GetRequiredService<OfferPolicyJobs>().Completion(source)!;
        var policy = (await Services.GetRequiredService<OfferPolicyStore>().GetAsync(source))!;

        (await manager.PostAsync($"/api/experiments/{source}/policy/launch", Json(body))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var noTemplate = await marketer.PostAsync($"/api/experiments/{source}/policy/launch",
            Json(JsonSerializer.Serialize(new { templates = new Dictionary<string, int> { ["Mail"] = templates["Mail"] } })));
        noTemplate.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noTemplate.Content.ReadAsStringAsync()).ShouldContain("Choose the e-mail each offer sends: '10 % off', '20 % off' have no template.");
        var badShare = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(JsonSerializer.Serialize(new { templates, holdoutShare = 1.0 })));
        badShare.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badShare.Content.ReadAsStringAsync()).ShouldContain("The holdout share is a share of the recipients from 0 up to (not including) 1");

        var launched = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(body));

        launched.StatusCode.ShouldBe(HttpStatusCode.Created, await launched.Content.ReadAsStringAsync());
        var response = JsonSerializer.Deserialize<PolicyLaunchResponse>(await launched.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
        launched.Headers.Location!.OriginalString.ShouldBe($"/api/experiments/{response.ExperimentId}");
        (response.Recipients, response.NotMailable, response.NotCustomers).ShouldBe((OptedIn, Customers - OptedIn, Rows - Customers));
        response.Unreached.ShouldBe("300 rows of the experiment are not customers here; 100 customers may not be mailed.");
        response.Arms.Sum(a => a.Total).ShouldBe(OptedIn);
        response.Arms.Where(a => a.Arm != OfferShopCsv.NoMessage).ShouldAllBe(a => a.Holdout == 0);

        // About h of the recipients are held out, and about ε of the others explore (within four standard errors).
        var heldOut = response.Arms.Sum(a => a.Holdout);
        Math.Abs(heldOut - Holdout * OptedIn).ShouldBeLessThan(4 * Math.Sqrt(OptedIn * Holdout * (1 - Holdout)));
        var explored = response.Arms.Sum(a => a.Exploration);
        Math.Abs(explored - Exploration * (OptedIn - heldOut)).ShouldBeLessThan(4 * Math.Sqrt((OptedIn - heldOut) * Exploration * (1 - Exploration)));

        await using (var db = await Db.CreateDbContextAsync())
        {
            var round2 = await db.Experiments.Include(e => e.Variants).SingleAsync(e => e.Id == response.ExperimentId);
            var round1 = await db.Experiments.SingleAsync(e => e.Id == source);
            round2.Name.ShouldBe($"{round1.Name} — offers round 2");
            round2.LaunchedFromExperimentId.ShouldBe(source);
            var arms = round2.Variants.OrderBy(v => v.SortOrder).ToList();
            arms.Select(v => (v.Name, v.DiscountShare, v.MessageCost, v.EmailTemplateId)).ShouldBe(policy.ArmNames.Select(n => (n,
                OfferShopCsv.Discounts[Array.IndexOf(OfferShopCsv.Arms, n)], n == OfferShopCsv.NoMessage ? 0 : 0.01, n == OfferShopCsv.NoMessage ? (int?)null : templates[n])));

            // Every recipient's arm is the draw the experiment's salt gives, and its propensity is ExplorationPlan's formula.
            var sourceRows = await db.Assignments.Where(a => a.ExperimentId == source).OrderBy(a => a.Id).Select(a => new { a.Id, a.RowKey, a.CovariatesJson }).ToListAsync();
            var policyArm = policy.AssignmentIds.Select((id, i) => (id, arm: policy.Recommended[i])).ToDictionary(x => x.id, x => x.arm);
            var assigned = await db.Assignments.Where(a => a.ExperimentId == round2.Id).ToDictionaryAsync(a => a.RowKey!);
            assigned.Count.ShouldBe(OptedIn);
            var recipients = sourceRows.Where(r => assigned.ContainsKey(r.RowKey!)).ToList();
            var draws = ExplorationPlan.Draw(recipients.Select(r => policyArm[r.Id]).ToList(), arms.Count, policy.ControlArm, Exploration, Holdout,
                PolicyLauncher.Seed(round2.AssignmentSalt));
            for (var i = 0; i < recipients.Count; i++)
            {
                var row = assigned[recipients[i].RowKey!];
                var arm = arms.FindIndex(v => v.Id == row.VariantId);
                arm.ShouldBe(draws[i].Arm);
                if (!draws[i].Explored && !draws[i].Holdout)
                {
                    arm.ShouldBe(policyArm[recipients[i].Id]);
                }

                row.Propensity!.Value.ShouldBe(ExplorationPlan.Propensity(arm, policyArm[recipients[i].Id], arms.Count, policy.ControlArm, Exploration, Holdout), 1e-12);
                row.CovariatesJson.ShouldBe(recipients[i].CovariatesJson);
            }

            draws.Count(d => d.Holdout).ShouldBe(heldOut);
            draws.Count(d => d.Explored).ShouldBe(explored);
        }

        await SendPasses.DrainAsync(Services, response.CampaignId);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var sendingArms = await db.Variants.Where(v => v.ExperimentId == response.ExperimentId && v.EmailTemplateId != null).Select(v => v.Id).ToListAsync();
            var offered = await db.Assignments.Where(a => a.ExperimentId == response.ExperimentId && sendingArms.Contains(a.VariantId)).Select(a => a.CustomerId!.Value).ToListAsync();
            var mailed = await db.Messages.Where(m => m.CampaignId == response.CampaignId && m.Status == MessageStatus.Sent).Select(m => m.CustomerId).ToListAsync();
            mailed.Order().ShouldBe(offered.Order());
            offered.Count.ShouldBe(response.Arms.Where(a => a.SendsMessage).Sum(a => a.Total));
            (await db.Experiments.SingleAsync(e => e.Id == response.ExperimentId)).Status.ShouldBe(ExperimentStatus.Running);
            (await db.Campaigns.SingleAsync(c => c.Id == response.CampaignId)).Status.ShouldBe(CampaignStatus.Completed);
        }

        // The new experiment's page says where its offers were learned and which campaign mails it.
        var round2Page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(
            await (await studio.App.SignedInClientAsync("manager@demo.local")).GetStringAsync($"/experiments/{response.ExperimentId}"));
        round2Page.QuerySelector("[data-testid=learned-from-link]")!.GetAttribute("href").ShouldBe($"/experiments/{source}/offers");
        round2Page.QuerySelector("[data-testid=experiment-campaign-link]")!.GetAttribute("href").ShouldBe($"/campaigns/{response.CampaignId}");

        var mail = studio.Smtp.MessagesOf(response.CampaignId);
        mail.Count.ShouldBe(response.Arms.Where(a => a.SendsMessage).Sum(a => a.Total));
        mail.Select(m => m.Subject).Distinct().Order(StringComparer.Ordinal).ShouldBe(["10 % off for you", "20 % off for you", "News from the shop"]);
    }

    [Fact]
    public async Task AFileWithNoStudioCustomersCannotBeLaunched()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(OfferShopCsv.Create(600, seed: 4).Replace("S-", "X-", StringComparison.Ordinal)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "offers.csv");
        form.Add(new StringContent("offer"), "armColumn");
        form.Add(new StringContent(OfferShopCsv.NoMessage), "controlArm");
        form.Add(new StringContent("customer_id"), "id");
        var imported = await marketer.PostAsync("/api/experiments/import", form);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var source = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("experimentId").GetInt32();
        (await marketer.PostAsync($"/api/experiments/{source}/policy", Json(Costs))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Services.GetRequiredService<OfferPolicyJobs>().Completion(source)!;
        var template = await Build.TemplateAsync("Any offer");
        var body = JsonSerializer.Serialize(new { templates = new Dictionary<string, int> { ["Mail"] = template, ["10 % off"] = template, ["20 % off"] = template } });

        var response = await marketer.PostAsync($"/api/experiments/{source}/policy/launch", Json(body));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("No row of this experiment is a customer here (600 rows;");
        await using var db = await Db.CreateDbContextAsync();
        (await db.Experiments.AnyAsync(e => e.LaunchedFromExperimentId == source)).ShouldBeFalse();
    }
}
