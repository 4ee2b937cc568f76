using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Flows;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Flows.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>A flow's send steps against their holdouts, as a manager reads them through the API: figures, lift, small groups hidden.</summary>
public sealed class FlowResultsTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private DateTime Now => app.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task AManagerReadsEachSendStepAgainstItsHoldoutAndASmallHoldoutIsNotShown()
    {
        var flowId = await FlowAsync(("s1", 100, 40, 70, 10), ("s2", 40, 5, 10, 1));
        var manager = app.CreateClient();
        manager.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("manager@demo.local"));

        var report = (await manager.GetFromJsonAsync<FlowResultsReport>($"/api/flows/{flowId}/results"))!;

        report.Steps.Select(s => s.StepId).ShouldBe(["s1", "s2"]);
        var first = report.Steps[0];
        first.Label.ShouldBe("First reminder");
        first.Mailed.ShouldBe(100);
        first.HeldOut.ShouldBe(40);
        first.MailedConversionRate!.Value.ShouldBe(0.7, 1e-12);
        first.HeldOutConversionRate!.Value.ShouldBe(0.25, 1e-12);
        first.Lift!.Value.ShouldBe(0.45, 1e-12);
        first.LiftLower!.Value.ShouldBeLessThan(0.45);
        first.LiftUpper!.Value.ShouldBeGreaterThan(0.45);
        first.IncrementalConversions!.Value.ShouldBe(45, 1e-9);
        first.IncrementalValue!.Value.ShouldBe(45 * 25, 1e-6);
        first.Verdict.ShouldNotBeNull();

        var second = report.Steps[1];
        second.HeldOut.ShouldBeNull("5 held out is below the smallest group shown");
        second.HeldOutConversionRate.ShouldBeNull();
        second.Lift.ShouldBeNull();
        second.IncrementalConversions.ShouldBeNull();
        second.Reason.ShouldContain("Too few customers");

        (await manager.GetAsync("/api/flows/999999/results")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>A live flow with send steps; for each: customers mailed and held out, and how many of each bought within the window.</summary>
    private async Task<int> FlowAsync(params (string Step, int Mailed, int HeldOut, int MailedBuyers, int HeldOutBuyers)[] steps)
    {
        await using var db = await Db.CreateDbContextAsync();
        var template = new EmailTemplate { Name = "First reminder", Subject = "Your cart", HtmlBody = "<p>Hi</p>", CreatedBy = "test", CreatedAt = Now, UpdatedAt = Now };
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync();
        var definition = new FlowDefinition
        {
            Trigger = new EventTrigger(new EventMatch("cart_abandoned")),
            Goal = new FlowGoal(new EventMatch(EventMatch.Purchase)),
            Steps = [new WaitStep("w1", 60), new SendEmailStep(steps[0].Step, template.Id), new SendEmailStep(steps[1].Step, template.Id) { Label = "Second reminder" }],
        };
        var (flow, version) = await FlowRows.LiveAsync(db, "Cart", definition, Now, liveSince: Now.AddDays(-30));

        var at = Now.AddDays(-10);
        foreach (var (step, mailed, heldOut, mailedBuyers, heldOutBuyers) in steps)
        {
            var customers = await FlowRows.CustomersAsync(db, mailed + heldOut, Now);
            for (var i = 0; i < mailed + heldOut; i++)
            {
                var customer = customers[i];
                var isMailed = i < mailed;
                await FlowRows.TripWithVisitAsync(db, flow.Id, version.Id, customer.Id, step, isMailed ? FlowStepOutcome.Sent : FlowStepOutcome.HeldOut, at);
                if (isMailed ? i < mailedBuyers : i - mailed < heldOutBuyers)
                {
                    db.Purchases.Add(new Purchase { CustomerId = customer.Id, PurchasedAt = at.AddDays(1), Amount = 25m, SourceKey = $"p-{Guid.NewGuid():N}" });
                }
            }
        }

        await db.SaveChangesAsync();
        return flow.Id;
    }
}
