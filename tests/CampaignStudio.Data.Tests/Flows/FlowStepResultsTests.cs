using CampaignStudio.Data.Flows;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Flows;
using CampaignStudio.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Flows;

/// <summary>A send step read against its holdout: who counts on which side, what counts as a conversion and as value.</summary>
public abstract class FlowStepResultsTests(string provider) : IAsyncLifetime
{
    private static readonly DateTime Now = FixedClock.Now;
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static FlowDefinition Definition(string goal) => new()
    {
        Trigger = new EventTrigger(new EventMatch("cart_abandoned")),
        Goal = new FlowGoal(new EventMatch(goal)),
        ConversionWindowDays = 7,
        Steps = [new WaitStep("w1", 60), new SendEmailStep("s1", 1) { OfferCost = 5m }],
    };

    [Fact]
    public async Task TheSidesAreTheQueuedAndTheHeldOutAndConversionsAreOrdersInTheWindowAfterTheStep()
    {
        var (flowId, definition) = await FlowAsync(EventMatch.Purchase);
        await using var db = await _db.Factory.CreateDbContextAsync();
        var campaign = await db.Campaigns.SingleAsync(c => c.FlowId == flowId);
        var customers = await CustomersAsync(db, 40);
        var at = Now.AddDays(-10);
        for (var i = 0; i < 40; i++)
        {
            // 0–29 mailed (sent), 30–31 skipped (not mailable), 32–39 held out.
            var outcome = i < 30 ? FlowStepOutcome.Sent : i < 32 ? FlowStepOutcome.Skipped : FlowStepOutcome.HeldOut;
            Message? message = null;
            if (outcome == FlowStepOutcome.Sent)
            {
                message = new Message
                {
                    CampaignId = campaign.Id, CustomerId = customers[i].Id, EntryNumber = 1, Status = i < 28 ? MessageStatus.Sent : MessageStatus.Failed,
                    QueuedAt = at, SentAt = i < 28 ? at : null, OpenedAt = i < 10 ? at.AddHours(1) : null, ClickedAt = i < 4 ? at.AddHours(1) : null,
                    ComplainedAt = i == 5 ? at.AddHours(2) : null,
                };
                db.Messages.Add(message);
                await db.SaveChangesAsync();
            }

            await FlowRows.TripWithVisitAsync(db, flowId, campaign.FlowVersionId!.Value, customers[i].Id, "s1", outcome, at, messageId: message?.Id);
        }

        // Mailed: 12 buy in the window (two of them twice), one only before the step, one only after the window.
        for (var i = 0; i < 12; i++)
        {
            db.Purchases.Add(Purchase(customers[i].Id, at.AddDays(1), 20m));
        }

        db.Purchases.Add(Purchase(customers[0].Id, at.AddDays(2), 10m));
        db.Purchases.Add(Purchase(customers[1].Id, at.AddDays(6.9), 10m));
        db.Purchases.Add(Purchase(customers[20].Id, at.AddDays(-1), 99m));
        db.Purchases.Add(Purchase(customers[21].Id, at.AddDays(7.5), 99m));
        // A skipped customer converts: they were never drawn, so they are on neither side.
        db.Purchases.Add(Purchase(customers[30].Id, at.AddDays(3), 40m));
        // Held out: 2 buy in the window.
        db.Purchases.Add(Purchase(customers[32].Id, at.AddDays(1), 30m));
        db.Purchases.Add(Purchase(customers[33].Id, at.AddDays(5), 30m));
        db.ConsentRecords.Add(new ConsentRecord
        {
            CustomerId = customers[7].Id, Status = ConsentStatus.OptedOut, Source = ConsentSource.UnsubscribeLink, Actor = "customer", RecordedAt = at.AddHours(3),
            CampaignId = campaign.Id,
        });
        await db.SaveChangesAsync();

        var result = (await FlowStepResults.ReadAsync(db, flowId, definition)).ShouldHaveSingleItem();

        result.StepId.ShouldBe("s1");
        result.Mailed.ShouldBe(30);
        result.Skipped.ShouldBe(2);
        result.HeldOut.ShouldBe(8);
        result.Sent.ShouldBe(28);
        result.Opened.ShouldBe(10);
        result.Clicked.ShouldBe(4);
        result.OptOuts.ShouldBe(2); // one complaint, one unsubscribe
        // Two of the queued mails failed in the pipeline: still on the mailed side (intention to treat).
        result.MailedConversions.ShouldBe(12);
        result.HeldOutConversions.ShouldBe(2);
        result.MailedValue.Sum.ShouldBe((12 * 20m) + 10m + 10m);
        result.MailedValue.SumOfSquares.ShouldBe((10 * 400m) + (30m * 30m) + (30m * 30m));
        result.HeldOutValue.Sum.ShouldBe(60m);
        result.OfferCost.ShouldBe(5m);
    }

    [Fact]
    public async Task AnEventGoalCountsThatEventNotOrders()
    {
        var (flowId, definition) = await FlowAsync("signed_up");
        await using var db = await _db.Factory.CreateDbContextAsync();
        var campaign = await db.Campaigns.SingleAsync(c => c.FlowId == flowId);
        var customers = await CustomersAsync(db, 4);
        var at = Now.AddDays(-3);
        for (var i = 0; i < 4; i++)
        {
            await FlowRows.TripWithVisitAsync(db, flowId, campaign.FlowVersionId!.Value, customers[i].Id, "s1", i < 2 ? FlowStepOutcome.Sent : FlowStepOutcome.HeldOut, at,
                FlowEnrollmentState.Active);
        }

        db.Purchases.Add(Purchase(customers[0].Id, at.AddDays(1), 20m));
        db.CustomerEvents.Add(new CustomerEvent { CustomerId = customers[1].Id, Type = "signed_up", OccurredAt = at.AddDays(1), SourceKey = "e1" });
        db.CustomerEvents.Add(new CustomerEvent { CustomerId = customers[2].Id, Type = "other", OccurredAt = at.AddDays(1), SourceKey = "e2" });
        await db.SaveChangesAsync();

        var result = (await FlowStepResults.ReadAsync(db, flowId, definition)).ShouldHaveSingleItem();

        result.MailedConversions.ShouldBe(1);
        result.HeldOutConversions.ShouldBe(0);
        result.MailedValue.Sum.ShouldBe(20m);
    }

    private async Task<(int FlowId, FlowDefinition Definition)> FlowAsync(string goal)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var definition = Definition(goal);
        var (flow, version) = await FlowRows.LiveAsync(db, "Cart", definition, Now, liveSince: Now.AddDays(-30));
        await FlowRows.StepCampaignAsync(db, flow, version, "s1", Now);
        return (flow.Id, definition);
    }

    private static Task<List<Customer>> CustomersAsync(AppDbContext db, int count) => FlowRows.CustomersAsync(db, count, Now);

    private static Purchase Purchase(long customerId, DateTime at, decimal amount) =>
        new() { CustomerId = customerId, PurchasedAt = at, Amount = amount, SourceKey = $"p-{Guid.NewGuid():N}" };

    public sealed class OnSqlite() : FlowStepResultsTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : FlowStepResultsTests(DatabaseProviders.Postgres);
}
