using System.Data.Common;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Flows.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace CampaignStudio.Flows.Tests;

/// <summary>
/// The engine moves due customers in batches: what the steps need (time zones, consent and suppression, frequency-cap counts,
/// step campaigns, condition answers, the customers an attribute step changes) is read once per batch, not once per customer.
/// </summary>
public sealed class FlowEngineBatchTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FlowHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task FiveHundredDueCustomersAreMovedWithABoundedNumberOfCommands()
    {
        const int customers = 500;
        const int optedIn = 450;

        // A cap is set so its counts are read too; nobody here reaches it (one flow mail each).
        await _host.Services.GetRequiredService<SendingRulesStore>().SaveAsync(new SendingRules(2, 5, null, null, "UTC"));
        var goldAndConsented = new SegmentRule
        {
            Root = new RuleGroup(GroupOperator.And, [
                new RuleCondition(RuleFields.EmailConsent, RuleOperators.EqualTo) { Value = "OptedIn" },
                new RuleCondition(RuleFields.Attribute, RuleOperators.EqualTo) { Key = "tier", Value = "gold" },
            ]),
        };
        var flow = await _host.Build.FlowAsync("Welcome", new FlowDefinition
        {
            Trigger = new EventTrigger(new EventMatch("signed_up")),
            Steps =
            [
                new UpdateAttributeStep("tag", "tier", "gold"),
                new ConditionSplitStep("gold?", goldAndConsented)
                {
                    Yes = [new SendEmailStep("gold", 1) { HoldoutPercent = 10 }, new WaitStep("pause", 60)],
                    No = [new SendEmailStep("plain", 1) { HoldoutPercent = 0 }],
                },
            ],
        });
        var ids = await _host.Build.CustomersAsync("batch", customers, optedIn);
        await _host.Build.EventsAsync(ids, "signed_up");
        (await _host.Engine.ReadEventsAsync(CancellationToken.None)).ShouldBe(customers);

        var counter = new CommandCounter();
        var engine = new FlowEngine(new CountingDbFactory(_host.Services.GetRequiredService<DatabaseOptions>(), counter),
            new FlowEngineOptions { BatchSize = customers }, _host.Clock, NullLogger<FlowEngine>.Instance);
        (await engine.RunDueAsync(CancellationToken.None)).ShouldBe(customers);

        output.WriteLine($"{counter.Commands.Count} commands ({counter.Commands.Count(c => c.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))} SELECT):");
        foreach (var command in counter.Commands.GroupBy(c => c).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"{command.Count(),4} × {command.Key}");
        }

        // Reads: the per-customer engine asked ~6 per customer (lease check, flow status, zone, consent, cap, campaign,
        // condition) — 3,000 here; a batch asks a fixed few whatever its size. Writes: SQLite's EF provider sends one
        // statement per changed row (no multi-row batches), all in the batch's one transaction — at most one per row.
        var reads = counter.Commands.Count(c => c.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase));
        reads.ShouldBeLessThanOrEqualTo(15);
        (counter.Commands.Count - reads).ShouldBeLessThanOrEqualTo(8 * customers);

        await using var db = await _host.Db.CreateDbContextAsync();
        var visits = await db.FlowStepVisits.AsNoTracking().Where(v => v.FlowId == flow.Id).ToListAsync();
        visits.Count(v => v.StepId == "tag").ShouldBe(customers);
        // The split sees the attribute the step before set in the same batch.
        visits.Where(v => v.StepId == "gold?" && v.Branch == FlowEngine.Yes).Select(v => v.CustomerId).Order().ShouldBe(ids.Take(optedIn).Order());
        visits.Count(v => v.StepId == "gold?" && v.Branch == FlowEngine.No).ShouldBe(customers - optedIn);
        var gold = visits.Where(v => v.StepId == "gold").ToList();
        gold.Count.ShouldBe(optedIn);
        gold.Where(v => v.Outcome == FlowStepOutcome.HeldOut).Select(v => v.CustomerId).ToHashSet()
            .ShouldBe(ids.Take(optedIn).Where(id => FlowDraws.IsHeldOut(flow.Id, "gold", id, 1, 10)).ToHashSet(), ignoreOrder: true);
        var messages = await db.Messages.AsNoTracking().Where(m => m.CampaignId == flow.Campaigns["gold"]).ToDictionaryAsync(m => m.Id);
        gold.Where(v => v.Outcome == FlowStepOutcome.Sent).ShouldAllBe(v => v.MessageId != null && messages[v.MessageId.Value].CustomerId == v.CustomerId);
        messages.Count.ShouldBe(gold.Count(v => v.Outcome == FlowStepOutcome.Sent));
        visits.Where(v => v.StepId == "plain").ShouldAllBe(v => v.Outcome == FlowStepOutcome.Skipped && v.Note == FlowEngine.NotMailableNote);

        var trips = await db.FlowEnrollments.AsNoTracking().Where(e => e.FlowId == flow.Id).ToListAsync();
        trips.ShouldAllBe(e => e.LeaseOwner == null && e.LeaseUntil == null);
        trips.Count(e => e.State == FlowEnrollmentState.Active && e.StepId == "pause").ShouldBe(optedIn);
        trips.Count(e => e.State == FlowEnrollmentState.Exited && e.ExitReason == FlowExitReason.NotMailable).ShouldBe(customers - optedIn);
        (await db.Customers.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync()).ShouldAllBe(c => c.Attributes["tier"] == "gold");
    }
}
