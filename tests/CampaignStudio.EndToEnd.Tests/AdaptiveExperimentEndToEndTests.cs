using System.Security.Claims;
using System.Text.RegularExpressions;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.EndToEnd.Tests.Support;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>A marketer designs an adaptive experiment on the page; a running one shows its rounds and the reweighted results.</summary>
public sealed class AdaptiveExperimentEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private IDbContextFactory<AppDbContext> Db => browser.App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    [Fact]
    public async Task AMarketerChoosesAdaptiveAllocationAndReadsTheRoundsAndTheReweightedResults()
    {
        var builder = new CampaignTestBuilder(browser.App.Services);
        var segment = await builder.SegmentAsync("Adaptive browser audience", await builder.CustomersAsync("adaptive-e2e", 3_000, optedIn: 3_000));

        // The design page: the allocation choice shows its settings and says what they do.
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/experiments/new");
        await page.Locator("input[data-testid=design-name], [data-testid=design-name] input").First.FillAsync("Offers, adaptively");
        await page.ClickAsync("text=Adaptive: send in rounds");
        await page.WaitForSelectorAsync("[data-testid=adaptive-settings]");
        (await page.TextContentAsync("[data-testid=adaptive-explained]"))!.ShouldContain("split at random into 7 rounds, one sent every day");
        await BrowserFixture.ScreenshotAsync(page, "93-experiment-design-adaptive");
        await page.ClickAsync("[data-testid=save-experiment]");
        await page.WaitForURLAsync(new Regex(@"/experiments/\d+$"));
        (await page.TextContentAsync("[data-testid=allocation-summary]"))!.ShouldContain("adaptive allocation: 7 rounds");

        // A running adaptive experiment, three rounds in, with outcomes recorded: "20 % off" converts best.
        int id;
        await using (var scope = browser.App.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
            var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();
            id = await experiments.SaveAsync(null, new ExperimentDesign
            {
                Name = "Which offer, read while it adapts",
                AudienceSegmentId = segment,
                Arms = [new() { Name = "No message", IsControl = true }, new() { Name = "E-mail" }, new() { Name = "20 % off" }],
                Guardrails = [],
                Allocation = Allocation.Adaptive,
                Adaptive = new AdaptiveDesign { Rounds = 4, IntervalHours = 24, BurnInRounds = 1, FloorPerArm = 0.05 },
            });
            await experiments.StartAsync(id, confirmed: true);
            var random = new Random(11);

            // Rates high enough that every arm has 10 conversions (the privacy threshold) and its numbers show.
            var rates = new Dictionary<string, double> { ["No message"] = 0.08, ["E-mail"] = 0.10, ["20 % off"] = 0.25 };
            for (var day = 1; day <= 2; day++)
            {
                await RecordOutcomesAsync(id, rates, random);
                browser.App.Clock.MoveBy(TimeSpan.FromDays(day));
                (await scope.ServiceProvider.GetRequiredService<AdaptiveAllocationService>().NextRoundAsync(id)).Sent.ShouldNotBeNull();
            }

            await RecordOutcomesAsync(id, rates, random);

            // Back to today, or the browser's sign-in would have expired in the simulated days.
            browser.App.Clock.Reset();
        }

        await BrowserFixture.OpenAsync(page, $"/experiments/{id}");
        await page.WaitForSelectorAsync("[data-testid=adaptive-panel]");
        (await page.TextContentAsync("[data-testid=adaptive-note]"))!.ShouldContain("unbiased");
        (await page.TextContentAsync("[data-testid=rounds-table]"))!.ShouldContain("20 % off");
        (await page.Locator("[data-testid=rounds-table] tbody tr").CountAsync()).ShouldBe(3);
        await page.Locator("[data-testid=lift-chart] .main-svg").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "94-experiment-adaptive-rounds");

        // The round is not due yet: the page says so instead of sending.
        await page.ClickAsync("[data-testid=next-round]");
        await page.WaitForSelectorAsync("[data-testid=experiment-message]:has-text('not due')");
    }

    private async Task RecordOutcomesAsync(int experimentId, Dictionary<string, double> rates, Random random)
    {
        await using var db = await Db.CreateDbContextAsync();
        var names = await db.Variants.Where(v => v.ExperimentId == experimentId).ToDictionaryAsync(v => v.Id, v => v.Name);
        foreach (var a in await db.Assignments.Where(a => a.ExperimentId == experimentId && a.Converted == null).OrderBy(a => a.Id).ToListAsync())
        {
            a.Converted = random.NextDouble() < rates[names[a.VariantId]];
        }

        await db.SaveChangesAsync();
    }
}
