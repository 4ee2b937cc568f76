using System.Text;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows.Tests.Support;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Offers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// "An offer only where it pays" (issue 15, decision 053): an offer-policy training stores each customer's predicted gain per
/// offer, a condition split routes customers by it, and the ready-made abandoned-cart flow uses it — on a real SQLite file.
/// </summary>
public sealed class FlowOfferGainTests : IAsyncLifetime
{
    private readonly FlowHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    private DateTime Now => _host.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task TrainingAPolicyStoresEveryCustomersGainPerOfferAndATrainingAgainReplacesTheRun()
    {
        // 1,200 rows of the four-offer shop; the first 900 ids are customers here, the last 300 are not.
        var (experimentId, customers) = await OffersExperimentAsync(rows: 1_200, customers: 900);
        var jobs = _host.Services.GetRequiredService<OfferPolicyJobs>();

        var firstRun = await TrainAsync(jobs, experimentId);
        var result = (await _host.Services.GetRequiredService<OfferPolicyStore>().GetAsync(experimentId))!;
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var variants = await db.Variants.Where(v => v.ExperimentId == experimentId).ToDictionaryAsync(v => v.Name, v => v.Id);
            var rows = await db.PredictedOfferGains.AsNoTracking().Where(g => g.ExperimentId == experimentId).ToListAsync();

            // Every customer of the experiment, every offer but "no message"; nobody who is not a customer here.
            rows.Count.ShouldBe(customers.Count * 3);
            rows.Select(g => g.CustomerId).Distinct().Order().ShouldBe(customers.Order());
            rows.ShouldNotContain(g => g.VariantId == variants[OfferShopCsv.NoMessage]);
            rows.ShouldAllBe(g => g.TrainingRunId == firstRun);

            // The gain is the offer's expected value minus no message's, both net of the offers' costs, as the stored policy has them.
            var customerOf = await PredictedOfferGains.CustomerOfRowAsync(db, experimentId, CancellationToken.None);
            var stored = rows.ToDictionary(g => (g.CustomerId, g.VariantId), g => g.Gain);
            var checkedRows = 0;
            for (var i = 0; i < result.Count; i++)
            {
                if (!customerOf.TryGetValue(result.AssignmentIds[i], out var customerId))
                {
                    continue;
                }

                for (var arm = 1; arm < result.ArmNames.Count; arm++)
                {
                    stored[(customerId, variants[result.ArmNames[arm]])].ShouldBe(result.ExpectedValues[i][arm] - result.ExpectedValues[i][result.ControlArm], 1e-9);
                    checkedRows++;
                }
            }

            checkedRows.ShouldBe(rows.Count);

            // The offers do differ by customer: some pay, some do not (the synthetic shop has both kinds for every offer).
            rows.ShouldContain(g => g.Gain > 0);
            rows.ShouldContain(g => g.Gain < 0);
        }

        var secondRun = await TrainAsync(jobs, experimentId);
        secondRun.ShouldNotBe(firstRun);
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            (await db.PredictedOfferGains.CountAsync(g => g.ExperimentId == experimentId)).ShouldBe(customers.Count * 3);
            (await db.PredictedOfferGains.Where(g => g.ExperimentId == experimentId).Select(g => g.TrainingRunId).Distinct().ToListAsync()).ShouldBe([secondRun]);
        }

        // The ready-made cart flow now carries the offer of that policy that pays for the most customers, behind the split.
        var (second, note) = await CartOfferAsync();
        second.ShouldBeOfType<ConditionSplitStep>().OfferGain.ShouldNotBeNull().ExperimentId.ShouldBe(experimentId);
        note.ShouldNotBeNull().ShouldContain("only for customers whose predicted gain from it is positive");
    }

    [Fact]
    public async Task TheOfferListCountsWhatIsStoredWithoutReadingThePredictionsAgain()
    {
        var (experimentId, offer, other) = await ExperimentWithOffersAsync();
        var ids = await _host.Build.CustomersAsync("count", 3);
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            // The second row of a customer for the same offer is ignored, and so is it in the counts.
            await PredictedOfferGains.ReplaceAsync(db, experimentId, trainingRunId: 7,
                [new(ids[0], offer, 3.5), new(ids[0], offer, -9), new(ids[1], offer, -2), new(ids[2], offer, 0.1), new(ids[2], other, -1)], CancellationToken.None);
        }

        var counter = new CommandCounter();
        await using (var counted = new CountingDbFactory(_host.Services.GetRequiredService<Data.DatabaseOptions>(), counter).CreateDbContext())
        {
            var choices = await OfferGainChoices.ListAsync(counted, CancellationToken.None);
            choices.Select(c => (c.VariantId, c.Scored, c.Pays)).ShouldBe([(offer, 3, 2), (other, 1, 0)], ignoreOrder: true);
        }

        counter.Texts.ShouldNotBeEmpty();
        counter.Texts.ShouldAllBe(t => !t.Contains("\"PredictedOfferGains\""), "the list reads the counts stored with the predictions, not the predictions");

        // A training again replaces the counts with the new run's.
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            await PredictedOfferGains.ReplaceAsync(db, experimentId, trainingRunId: 8, [new(ids[1], offer, 1)], CancellationToken.None);
            (await OfferGainChoices.ListAsync(db, CancellationToken.None)).Select(c => (c.VariantId, c.Scored, c.Pays)).ShouldBe([(offer, 1, 1)]);
        }
    }

    [Fact]
    public async Task TheSplitSendsTheOfferOnlyToCustomersItIsPredictedToPayForAndCustomersWithoutAPredictionGoToNo()
    {
        var (experimentId, offer, other) = await ExperimentWithOffersAsync();
        var ids = await _host.Build.CustomersAsync("gain", 4);
        var (pays, costs, notScored, barely) = (ids[0], ids[1], ids[2], ids[3]);
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            await PredictedOfferGains.ReplaceAsync(db, experimentId, trainingRunId: 1,
                [new(pays, offer, 3.5), new(costs, offer, -2), new(barely, offer, 0.4), new(notScored, other, 9)], CancellationToken.None);
        }

        var flow = await _host.Build.FlowAsync("Cart offer", new FlowDefinition
        {
            Trigger = new EventTrigger(new EventMatch("cart_abandoned")),
            Steps =
            [
                new ConditionSplitStep("pays", null)
                {
                    OfferGain = new OfferGainCondition(experimentId, offer) { GainAbove = 0.5 },
                    Yes = [new SendEmailStep("offer", 1) { HoldoutPercent = 0 }],
                    No = [new SendEmailStep("plain", 1) { HoldoutPercent = 0 }],
                },
            ],
        });
        await _host.Build.EventsAsync(ids, "cart_abandoned");
        await _host.RunEngineAsync();

        await using var check = await _host.Db.CreateDbContextAsync();
        var branches = await check.FlowStepVisits.AsNoTracking().Where(v => v.StepId == "pays").ToDictionaryAsync(v => v.CustomerId, v => v.Branch);
        branches[pays].ShouldBe(FlowEngine.Yes);
        branches[costs].ShouldBe(FlowEngine.No);
        branches[barely].ShouldBe(FlowEngine.No, "0.4 is not above the 0.5 the split asks for");
        branches[notScored].ShouldBe(FlowEngine.No, "a prediction for another offer is no prediction for this one");
        (await check.Messages.Where(m => m.CampaignId == flow.Campaigns["offer"]).Select(m => m.CustomerId).ToListAsync()).ShouldBe([pays]);
        (await check.Messages.Where(m => m.CampaignId == flow.Campaigns["plain"]).Select(m => m.CustomerId).OrderBy(c => c).ToListAsync())
            .ShouldBe(new[] { costs, notScored, barely }.Order());

        // The engine's batch question: customer ids in, one answer each, in the order given (duplicates and all).
        (await FlowEngine.OfferPaysAsync(check, new OfferGainCondition(experimentId, offer), [barely, costs, notScored, pays, barely], CancellationToken.None))
            .ShouldBe([true, false, false, true, true]);
    }

    [Fact]
    public async Task WithoutATrainedPolicyTheCartFlowSendsTheSecondReminderWithoutAnOfferAndSaysWhy()
    {
        var (second, note) = await CartOfferAsync();
        second.ShouldBeOfType<SendEmailStep>().Id.ShouldBe("cart-last");
        note.ShouldBe(ReadyMadeFlows.NoOfferPolicyNote);

        // Created through the lifecycle rules, the flow's description (shown in the editor) says why.
        await using var db = await _host.Db.CreateDbContextAsync();
        var created = await FlowChanges.CreateAsync(db, null, ReadyMadeFlows.AbandonedCart, "test", Now, CancellationToken.None);
        (await db.Flows.SingleAsync(f => f.Id == created.FlowId)).Description.ShouldBe(ReadyMadeFlows.NoOfferPolicyNote);
    }

    [Fact]
    public async Task WithStoredGainsTheCartFlowOffersTheDiscountThatPaysForMostCustomersOnlyWhereItPays()
    {
        var (experimentId, tenOff, twentyOff) = await ExperimentWithOffersAsync();
        var ids = await _host.Build.CustomersAsync("cart", 3);
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            // 20 % off pays for two customers, 10 % off for one: the flow takes 20 % off.
            await PredictedOfferGains.ReplaceAsync(db, experimentId, trainingRunId: 1,
                [new(ids[0], twentyOff, 4), new(ids[1], twentyOff, 1), new(ids[2], twentyOff, -3), new(ids[0], tenOff, 2), new(ids[1], tenOff, -1)],
                CancellationToken.None);
        }

        var (second, note) = await CartOfferAsync();
        var split = second.ShouldBeOfType<ConditionSplitStep>();
        split.Rule.ShouldBeNull();
        split.OfferGain.ShouldBe(new OfferGainCondition(experimentId, twentyOff));
        split.Yes.ShouldHaveSingleItem().ShouldBeOfType<SendEmailStep>().DiscountTier.ShouldBe("20%");
        split.No.ShouldHaveSingleItem().Id.ShouldBe("cart-last");
        note.ShouldNotBeNull().ShouldContain("“20 % off” (experiment “Cart offers”)");

        // Live, the customers it pays for get the offer a day after their cart; the rest get the last reminder.
        await using (var db = await _host.Db.CreateDbContextAsync())
        {
            var built = await ReadyMadeFlows.BuildWithNoteAsync(db, ReadyMadeFlows.AbandonedCart, "test", Now, CancellationToken.None);
            (await FlowChanges.ProblemAsync(db, built.Definition, CancellationToken.None)).ShouldBeNull();
            var flow = await _host.Build.FlowAsync("Abandoned cart", built.Definition);
            await _host.Build.EventsAsync(ids, ReadyMadeFlows.CartAbandoned);
            await _host.RunEngineAsync();
            _host.Clock.Advance(TimeSpan.FromMinutes(61));
            await _host.RunEngineAsync();
            _host.Clock.Advance(TimeSpan.FromHours(23));
            await _host.RunEngineAsync();
            flow.Campaigns.Keys.Order().ShouldBe(["cart-last", "cart-offer", "cart-reminder"]);

            // The steps keep their 10 % holdout, so a visit (sent or held out) says who reached which mail.
            var visits = await db.FlowStepVisits.AsNoTracking().Where(v => v.FlowId == flow.Id).ToListAsync();
            visits.Where(v => v.StepId == "offer-pays").OrderBy(v => v.CustomerId).Select(v => v.Branch).ShouldBe([FlowEngine.Yes, FlowEngine.Yes, FlowEngine.No]);
            visits.Where(v => v.StepId == "cart-offer").Select(v => v.CustomerId).Order().ShouldBe([ids[0], ids[1]]);
            visits.Where(v => v.StepId == "cart-last").Select(v => v.CustomerId).ShouldBe([ids[2]]);
        }
    }

    /// <summary>The step after the cart flow's 23-hour wait (what the second reminder is) and the note the editor shows.</summary>
    private async Task<(FlowStep Second, string? Note)> CartOfferAsync()
    {
        await using var db = await _host.Db.CreateDbContextAsync();
        var built = await ReadyMadeFlows.BuildWithNoteAsync(db, ReadyMadeFlows.AbandonedCart, "test", Now, CancellationToken.None);
        var wait = built.Definition.Steps.OfType<WaitForEventStep>().Single();
        return (wait.TimedOut.ShouldHaveSingleItem(), built.Note);
    }

    /// <summary>A finished experiment "Cart offers" with no message (control), 10 % off and 20 % off; returns the two offers' ids.</summary>
    private async Task<(int ExperimentId, int TenOff, int TwentyOff)> ExperimentWithOffersAsync()
    {
        await using var db = await _host.Db.CreateDbContextAsync();
        var experiment = new Experiment
        {
            Name = "Cart offers", Status = ExperimentStatus.Finished, Source = ExperimentSource.Imported, AssignmentSalt = "salt", CreatedBy = "test", CreatedAt = Now,
            Variants =
            {
                new Variant { Name = "No message", IsControl = true, SortOrder = 0 },
                new Variant { Name = "10 % off", DiscountShare = 0.10, SortOrder = 1 },
                new Variant { Name = "20 % off", DiscountShare = 0.20, SortOrder = 2 },
            },
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync();
        return (experiment.Id, experiment.Variants.Single(v => v.SortOrder == 1).Id, experiment.Variants.Single(v => v.SortOrder == 2).Id);
    }

    /// <summary>Imports the synthetic four-offer shop (with the offers' discounts and a message cost) whose first ids are customers here.</summary>
    private async Task<(int ExperimentId, List<long> Customers)> OffersExperimentAsync(int rows, int customers)
    {
        var ids = await _host.Build.CustomersAsync("offer", customers);
        await using var db = await _host.Db.CreateDbContextAsync();
        var people = await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync();
        foreach (var customer in people)
        {
            customer.ExternalId = $"S-{ids.IndexOf(customer.Id) + 1:000000}";
        }

        await db.SaveChangesAsync();
        var mapping = new ResultsMapping("offer", OfferShopCsv.NoMessage, "converted", "revenue", null, null, null,
            ["days_since_last_order", "orders_last_year", "share_bought_on_discount", "usual_order_value"], IdColumn: "customer_id");
        var parsed = ExperimentResultsFile.Parse(new MemoryStream(Encoding.UTF8.GetBytes(OfferShopCsv.Create(rows, seed: 5))), mapping);
        var summary = await ExperimentResultsFile.CreateAsync(db, parsed, mapping, "Spring offers", PrimaryMetric.RevenuePerCustomer, "test", Now, CancellationToken.None, e =>
        {
            e.GrossMargin = 0.4;
            foreach (var v in e.Variants)
            {
                var arm = Array.IndexOf(OfferShopCsv.Arms, v.Name);
                v.DiscountShare = OfferShopCsv.Discounts[arm];
                v.MessageCost = arm == 0 ? 0 : 0.01;
            }
        });
        return (summary.ExperimentId, ids);
    }

    /// <summary>Trains the experiment's policy to the end and returns the run's id; fails with the run's error if it failed.</summary>
    private async Task<long> TrainAsync(OfferPolicyJobs jobs, int experimentId)
    {
        await await jobs.StartAsync(experimentId);
        var status = await jobs.StatusAsync(experimentId);
        status.ShouldNotBeNull().State.ShouldBe(TrainingRunState.Succeeded, status.Error);
        await using var db = await _host.Db.CreateDbContextAsync();
        return await db.TrainingRuns.Where(r => r.ExperimentId == experimentId && r.Kind == TrainingKind.Offers).MaxAsync(r => r.Id);
    }
}
