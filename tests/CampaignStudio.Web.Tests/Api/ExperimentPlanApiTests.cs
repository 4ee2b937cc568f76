using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Features.Campaigns;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// What an experiment is checked against and what a start commits to, through the API: the planned split of an import
/// (for the sample-ratio check), the one rule for CUPED-adjusted lifts, and a start that needs an explicit confirmation.
/// </summary>
public sealed class ExperimentPlanApiTests(ExperimentPlanApiTests.Studio app) : IClassFixture<ExperimentPlanApiTests.Studio>
{
    private const string HillstromPath = "/work/shared/data/hillstrom.csv";

    /// <summary>The studio with Hillstrom imported once (no planned split stated) for the tests that only read it.</summary>
    public sealed class Studio : StudioAppFactory
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private int? _hillstrom;

        public async Task<int> HillstromAsync(HttpClient marketer)
        {
            await _gate.WaitAsync();
            try
            {
                _hillstrom ??= await ImportAsync(marketer, await File.ReadAllBytesAsync(HillstromPath), "hillstrom.csv", ("name", "Hillstrom, equal thirds"));
                return _hillstrom.Value;
            }
            finally
            {
                _gate.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            _gate.Dispose();
            base.Dispose(disposing);
        }
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static MultipartFormDataContent Form(byte[] csv, string fileName, params (string Key, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        foreach (var (key, value) in fields)
        {
            form.Add(new StringContent(value), key);
        }

        return form;
    }

    private static async Task<int> ImportAsync(HttpClient marketer, byte[] csv, string fileName, params (string Key, string Value)[] fields)
    {
        var created = await marketer.PostAsync("/api/experiments/import", Form(csv, fileName, fields));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("experimentId").GetInt32();
    }

    [Fact]
    public async Task HillstromImportedWithoutAPlanIsCheckedAgainstEqualThirdsAndAStatedPlanIsUsedInstead()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var equal = await app.HillstromAsync(marketer);

        // Reference: tests/CampaignStudio.Analytics.Tests/reference/hillstrom_reference.py, scipy.stats.chisquare([21306, 21307, 21387]).
        using (var analysis = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{equal}/analysis?metric=Visit&cuped=false")))
        {
            var srm = analysis.RootElement.GetProperty("analysis").GetProperty("sampleRatio");
            srm.GetProperty("pValue").GetDouble().ShouldBe(0.9036929575604196, 1e-9);
            srm.GetProperty("warning").GetBoolean().ShouldBeFalse();
            srm.GetProperty("expectedShares").EnumerateArray().Select(s => s.GetDouble()).ShouldAllBe(s => Math.Abs(s - 1 / 3.0) < 1e-12);
        }

        // A stated 50/25/25 plan does not fit Hillstrom's thirds: chisquare(f_exp = 0.5, 0.25, 0.25 of 64,000) = 7147.80225.
        var stated = await ImportAsync(marketer, await File.ReadAllBytesAsync(HillstromPath), "hillstrom.csv",
            ("name", "Hillstrom, planned 50/25/25"), ("plannedSplit", "No E-Mail=50, Mens E-Mail=25, Womens E-Mail=25"));
        using (var analysis = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{stated}/analysis?metric=Visit&cuped=false")))
        {
            var srm = analysis.RootElement.GetProperty("analysis").GetProperty("sampleRatio");
            srm.GetProperty("chiSquare").GetDouble().ShouldBe(7147.80225, 1e-6);
            srm.GetProperty("warning").GetBoolean().ShouldBeTrue();
            srm.GetProperty("expectedShares").EnumerateArray().Select(s => s.GetDouble()).ShouldBe([0.5, 0.25, 0.25], 1e-12);
        }

        var dashboard = JsonDocument.Parse(await marketer.GetStringAsync("/api/experiments")).RootElement.EnumerateArray().ToList();
        dashboard.Single(r => r.GetProperty("id").GetInt32() == stated).GetProperty("sampleRatioMismatch").GetBoolean().ShouldBeTrue();
        dashboard.Single(r => r.GetProperty("id").GetInt32() == equal).GetProperty("sampleRatioMismatch").GetBoolean().ShouldBeFalse();
    }

    [Theory]
    [InlineData("A=1, Z=1", "'Z'")]
    [InlineData("A=1", "no share for the arm 'B'")]
    [InlineData("A=1, B=-2", "positive")]
    [InlineData("A=1, B=half", "positive")]
    [InlineData("A=1, A=2, B=1", "twice")]
    public async Task APlannedSplitThatDoesNotFitTheFileIsRefusedWithASentenceAndNothingIsCreated(string split, string says)
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var before = await marketer.GetStringAsync("/api/experiments");

        var response = await marketer.PostAsync("/api/experiments/import", Form("group,bought\nA,1\nB,0\nA,0\nB,1\n"u8.ToArray(), "split.csv",
            ("armColumn", "group"), ("controlArm", "A"), ("conversionColumn", "bought"), ("plannedSplit", split)));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadAsStringAsync();
        problem.ShouldContain("planned split");
        problem.ShouldContain(says);
        (await marketer.GetStringAsync("/api/experiments")).ShouldBe(before);
    }

    [Fact]
    public async Task HillstromShowsUnadjustedLiftsByDefaultBecauseCupedRemovesLessThanTheMinimum()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var id = await app.HillstromAsync(marketer);

        // Hillstrom's primary metric is conversion; history as the covariate removes 0.086 % of its variance (hillstrom_reference.py).
        using (var analysis = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/analysis")))
        {
            var root = analysis.RootElement;
            root.GetProperty("cupedAvailable").GetBoolean().ShouldBeTrue();
            root.GetProperty("cupedApplied").GetBoolean().ShouldBeFalse();
            root.GetProperty("cupedVarianceReduction").GetDouble().ShouldBe(0.0008602203644439976, 1e-9);
            root.GetProperty("analysis").GetProperty("cuped").ValueKind.ShouldBe(JsonValueKind.Null);
            root.GetProperty("adjustment").GetString().ShouldBe("Unadjusted");
        }

        // Asked for explicitly, CUPED is applied and says so.
        using (var analysis = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/analysis?cuped=true")))
        {
            analysis.RootElement.GetProperty("cupedApplied").GetBoolean().ShouldBeTrue();
            analysis.RootElement.GetProperty("adjustment").GetString().ShouldBe("CUPED");
        }

        var row = JsonDocument.Parse(await marketer.GetStringAsync("/api/experiments")).RootElement.EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == id);
        row.GetProperty("adjustment").GetString().ShouldBe("Unadjusted");
    }

    [Fact]
    public async Task AStrongPrePeriodValueMakesCupedTheDefaultOnTheListTheServiceAndTheApiAlike()
    {
        // Revenue follows last quarter's spend closely: CUPED removes most of the noise.
        var rng = new Random(11);
        var csv = new StringBuilder("arm,pre_period,revenue\n");
        for (var i = 0; i < 600; i++)
        {
            var mail = i % 2 == 1;
            var pre = 20 + 60 * rng.NextDouble();
            var revenue = 0.9 * pre + 4 * rng.NextDouble() + (mail ? 3 : 0);
            csv.Append(CultureInfo.InvariantCulture, $"{(mail ? "mail" : "control")},{pre:F2},{revenue:F2}\n");
        }

        var marketer = await ClientAsync("marketer@demo.local");
        var id = await ImportAsync(marketer, Encoding.UTF8.GetBytes(csv.ToString()), "strong.csv", ("name", "Strong covariate"), ("controlArm", "control"));

        using var analysis = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/analysis"));
        analysis.RootElement.GetProperty("metric").GetString().ShouldBe("RevenuePerCustomer");
        analysis.RootElement.GetProperty("cupedApplied").GetBoolean().ShouldBeTrue();
        analysis.RootElement.GetProperty("cupedVarianceReduction").GetDouble().ShouldBeGreaterThan(0.5);
        analysis.RootElement.GetProperty("adjustment").GetString().ShouldBe("CUPED");
        var row = JsonDocument.Parse(await marketer.GetStringAsync("/api/experiments")).RootElement.EnumerateArray().Single(r => r.GetProperty("id").GetInt32() == id);
        row.GetProperty("adjustment").GetString().ShouldBe("CUPED");

        // The list's lift is the page's default lift: the same rule, the same numbers.
        await using var scope = As(Roles.Manager);
        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(id, null, useCuped: null);
        readout.CupedApplied.ShouldBeTrue();
        row.GetProperty("relativeLift").GetDouble().ShouldBe(readout.Best!.VsControl!.RelativeLift, 1e-12);
    }

    [Fact]
    public async Task StartingNeedsAnExplicitConfirmationAndAssignsExactlyTheArmsThePreviewStated()
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var build = new CampaignTestBuilder(app.Services);
        var ids = await build.CustomersAsync("start", 2_050, optedIn: 2_000);
        var segment = await build.SegmentAsync("Start audience", ids);
        int id;
        await using (var scope = As(Roles.Marketer))
        {
            id = await scope.ServiceProvider.GetRequiredService<ExperimentService>().SaveAsync(null, new ExperimentDesign
            {
                Name = "Start with care",
                AudienceSegmentId = segment,
                HoldoutShare = 0.1,
                Arms = [new() { Name = "No message", IsControl = true, Weight = 1 }, new() { Name = "Offer", Weight = 2 }],
                Power = new PowerForm { BaselineRate = 0.03, MinimumDetectableEffect = 0.10 },
            });
        }

        var marketer = await ClientAsync("marketer@demo.local");
        using var preview = JsonDocument.Parse(await marketer.GetStringAsync($"/api/experiments/{id}/start-preview"));
        var root = preview.RootElement;
        root.GetProperty("customers").GetInt32().ShouldBe(2_000);
        var arms = root.GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("customers").GetInt32());
        arms.Keys.ShouldBe(["No message", "Offer", ExperimentService.HoldoutArmName]);
        arms.Values.Sum().ShouldBe(2_000);

        // Power of 2,000 customers split 1 : 2 after a 10 % holdout, 3 % → 3.3 %: reference/power_reference.py (design.powerWithAudience2000).
        root.GetProperty("power").GetDouble().ShouldBe(0.02680520809432512, 1e-9);
        root.GetProperty("targetPower").GetDouble().ShouldBe(0.8);
        root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ShouldContain(w => w!.StartsWith("The audience is too small", StringComparison.Ordinal));

        // No confirmation, or a confirmation of another number: nothing happens.
        var unconfirmed = await marketer.PostAsJsonAsync($"/api/experiments/{id}/start", new { });
        unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unconfirmed.Content.ReadAsStringAsync()).ShouldContain("2,000 customers");
        var stale = await marketer.PostAsJsonAsync($"/api/experiments/{id}/start", new { confirm = true, expectedCustomers = 1_999 });
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await stale.Content.ReadAsStringAsync()).ShouldContain("2,000");
        var manager = await ClientAsync("manager@demo.local");
        (await manager.PostAsJsonAsync($"/api/experiments/{id}/start", new { confirm = true })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await using (var db = await factory.CreateDbContextAsync())
        {
            (await db.Assignments.CountAsync(a => a.ExperimentId == id)).ShouldBe(0);
            (await db.Experiments.SingleAsync(e => e.Id == id)).Status.ShouldBe(ExperimentStatus.Draft);
        }

        var started = await marketer.PostAsJsonAsync($"/api/experiments/{id}/start", new { confirm = true, expectedCustomers = 2_000 });
        started.StatusCode.ShouldBe(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        await using (var db = await factory.CreateDbContextAsync())
        {
            var assigned = await db.Assignments.Where(a => a.ExperimentId == id).Join(db.Variants, a => a.VariantId, v => v.Id, (a, v) => v.Name)
                .GroupBy(n => n).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
            assigned.ShouldBe(arms, ignoreOrder: true);
            (await db.Experiments.SingleAsync(e => e.Id == id)).Status.ShouldBe(ExperimentStatus.Running);
        }

        (await marketer.PostAsJsonAsync($"/api/experiments/{id}/start", new { confirm = true })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private AsyncServiceScope As(string role)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope;
    }
}
