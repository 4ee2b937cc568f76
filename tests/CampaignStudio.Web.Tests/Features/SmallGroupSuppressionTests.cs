using System.Text.Json;
using AngleSharp.Html.Parser;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Tests.Features.Campaigns;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// Manager dashboards and the analysis export never show a group of fewer than k customers: the pages as the server
/// renders them for a signed-in manager, and the JSON the API returns, with k at its default of 10 and lowered.
/// </summary>
public sealed class SmallGroupSuppressionTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>, IAsyncLifetime
{
    private static readonly HtmlParser Html = new();

    public Task InitializeAsync() => SetKAsync(10);

    public Task DisposeAsync() => SetKAsync(10);

    [Fact]
    public async Task AnExperimentArmOfFourCustomersShowsAsLessThanTenOnThePageAndCarriesNoNumbersInTheExport()
    {
        var id = await ImportExperimentAsync("Small arm test");
        var manager = await app.SignedInClientAsync("manager@demo.local");

        var page = Html.ParseDocument(await manager.GetStringAsync($"/experiments/{id}"));
        var rows = page.QuerySelectorAll("[data-testid=arms-table] tbody tr").ToDictionary(r => r.Children[0].TextContent.Replace(" (control)", ""), r => r.Children.Select(c => c.TextContent.Trim()).ToList());
        rows["Small"][1].ShouldBe("< 10");
        rows["Small"].Skip(2).ShouldAllBe(cell => cell == "–" || cell == "");
        rows["Big"][1].ShouldBe("60");
        rows["Big"][2].ShouldBe("50.00%");
        page.Body!.TextContent.ShouldContain("Small: < 10");
        page.Body.TextContent.ShouldNotContain("Small: 4");

        using var export = JsonDocument.Parse(await manager.GetStringAsync($"/api/experiments/{id}/analysis"));
        export.RootElement.GetProperty("minGroupSize").GetInt32().ShouldBe(10);
        export.RootElement.GetProperty("hiddenArms").EnumerateArray().Select(a => a.GetString()).ShouldBe(["Small"]);
        var arms = export.RootElement.GetProperty("analysis").GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!);
        arms["Small"].GetProperty("n").GetInt64().ShouldBe(0);
        arms["Small"].GetProperty("mean").GetString().ShouldBe("NaN");
        arms["Small"].GetProperty("vsControl").ValueKind.ShouldBe(JsonValueKind.Null);
        arms["Big"].GetProperty("n").GetInt64().ShouldBe(60);
        export.RootElement.GetProperty("experiment").GetProperty("arms").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "Small")
            .GetProperty("customers").GetInt32().ShouldBe(0);
        export.RootElement.GetProperty("experiment").GetProperty("customers").GetInt32().ShouldBe(120); // 124 rounded to k

        await SetKAsync(3);
        var lowered = Html.ParseDocument(await manager.GetStringAsync($"/experiments/{id}"));
        lowered.QuerySelectorAll("[data-testid=arms-table] tbody tr").Single(r => r.Children[0].TextContent == "Small").Children[1].TextContent.ShouldBe("4");
    }

    [Fact]
    public async Task TheCampaignReportHidesOpensOfFewerThanKRecipientsAndTheirRate()
    {
        var campaignId = await SentCampaignAsync(sent: 40, opened: 3, clicked: 37);
        var manager = await app.SignedInClientAsync("manager@demo.local");

        var page = Html.ParseDocument(await manager.GetStringAsync($"/campaigns/{campaignId}"));
        var cells = page.QuerySelector("[data-testid=variant-result]")!.Children.Select(c => c.TextContent.Trim()).ToList();
        cells[1].ShouldBe("40");
        cells[2].ShouldBe("< 10"); // 3 opened
        cells[3].ShouldBe("> 30"); // 37 clicked: the 3 who did not are the small group
        cells.ShouldNotContain(c => c.Contains("7.5") || c.Contains("92.5") || c.Contains("37"));

        await SetKAsync(2);
        var lowered = Html.ParseDocument(await manager.GetStringAsync($"/campaigns/{campaignId}"));
        lowered.QuerySelector("[data-testid=variant-result]")!.Children[2].TextContent.Trim().ShouldStartWith("3 (");
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private Task SetKAsync(int k) => app.Services.GetRequiredService<PrivacySettingsStore>().SaveAsync(new PrivacySettings(MinGroupSize: k));

    /// <summary>A finished experiment from a results file: Control and Big with 60 customers (half converted), Small with 4.</summary>
    private async Task<int> ImportExperimentAsync(string name)
    {
        var marketer = app.CreateClient();
        marketer.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));
        return await SmallArmExperiment.ImportAsync(marketer, name, bigArms: 60, convertEvery: 2);
    }

    /// <summary>A completed campaign's ledger written directly: who was sent, who opened, who clicked.</summary>
    private async Task<int> SentCampaignAsync(int sent, int opened, int clicked)
    {
        var build = new CampaignTestBuilder(app.Services);
        var ids = await build.CustomersAsync("report-" + Guid.NewGuid().ToString("N")[..6] + "-", sent, optedIn: sent);
        var segment = await build.SegmentAsync("Report audience", ids);
        var template = await build.TemplateAsync("Report mail");
        var campaignId = await build.ScheduledCampaignAsync("Report", segment, template);
        await using var db = await Db.CreateDbContextAsync();
        var at = app.Clock.GetUtcNow().UtcDateTime.AddDays(-1);
        await db.Campaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Completed).SetProperty(c => c.LaunchedAt, at));
        db.Messages.AddRange(ids.Select((id, i) => new Message
        {
            CampaignId = campaignId, CustomerId = id, Status = MessageStatus.Sent, Attempts = 1, QueuedAt = at, SentAt = at,
            OpenedAt = i < opened ? at.AddHours(1) : null, ClickedAt = i < clicked ? at.AddHours(1) : null,
        }));
        await db.SaveChangesAsync();
        return campaignId;
    }
}

/// <summary>The home dashboard on a shop of its own (it counts every customer of the database).</summary>
public sealed class HomeDashboardSuppressionTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public async Task AShopOfFiveCustomersShowsAsLessThanTenWithoutItsOptInShare()
    {
        await new CampaignTestBuilder(app.Services).CustomersAsync("tiny-shop", 5, optedIn: 2);
        var manager = await app.SignedInClientAsync("manager@demo.local");

        var page = new HtmlParser().ParseDocument(await manager.GetStringAsync("/"));
        page.QuerySelector("[data-testid=kpi-customers]")!.TextContent.ShouldBe("< 10");
        page.QuerySelector("[data-testid=kpi-can-be-mailed]")!.TextContent.ShouldBe("–");
        page.Body!.TextContent.ShouldNotContain("40%");
    }
}
