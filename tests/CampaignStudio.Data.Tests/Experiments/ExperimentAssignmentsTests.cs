using CampaignStudio.Data;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Experiments;

public abstract class ExperimentAssignmentsTests(string provider)
{
    private static readonly DateTime Now = new(2026, 11, 24, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task ArmsFollowTheWeightsAndAnAssignmentNeverChangesOnceMade()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Factory.CreateDbContext();
        for (var i = 1; i <= 4_000; i++)
        {
            var customer = new Customer { ExternalId = "c" + i, CreatedAt = Now, UpdatedAt = Now };
            customer.SetEmail($"c{i}@example.com");
            db.Customers.Add(customer);
        }

        var experiment = new Experiment
        {
            Name = "Discount", AssignmentSalt = "salt-1", CreatedAt = Now,
            Variants =
            [
                new Variant { Name = "Control", IsControl = true, Weight = 1, SortOrder = 0 },
                new Variant { Name = "Discount", Weight = 3, SortOrder = 1 },
            ],
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync();
        var ids = await db.Customers.Select(c => c.Id).ToListAsync();

        var first = await ExperimentAssignments.AssignAsync(db, experiment.Id, ids, Now);

        first.Count.ShouldBe(4_000);
        var control = experiment.Variants.Single(v => v.IsControl).Id;
        var controlShare = first.Values.Count(v => v == control) / 4_000.0;
        controlShare.ShouldBeInRange(0.22, 0.28); // weight 1 of 4; sd of the share is ~0.007
        first.ShouldAllBe(pair => pair.Value == VariantPicker.Pick("salt-1", pair.Key, experiment.Variants).Id);

        // Change the weights: customers already assigned keep their arm; only new customers see the new weights.
        var tracked = await db.Variants.SingleAsync(v => v.Id == control);
        tracked.Weight = 100;
        await db.SaveChangesAsync();
        var again = await ExperimentAssignments.AssignAsync(db, experiment.Id, ids, Now.AddDays(1));

        again.ShouldBe(first);
        (await db.Assignments.CountAsync(a => a.ExperimentId == experiment.Id)).ShouldBe(4_000);
    }

    [Fact]
    public async Task ThePreviewCountsTheArmsTheAssignmentWillMakeAndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Factory.CreateDbContext();
        for (var i = 1; i <= 600; i++)
        {
            var customer = new Customer { ExternalId = "p" + i, CreatedAt = Now, UpdatedAt = Now };
            customer.SetEmail($"p{i}@example.com");
            db.Customers.Add(customer);
        }

        var experiment = new Experiment
        {
            Name = "Preview", AssignmentSalt = "salt-preview", CreatedAt = Now,
            Variants = [new Variant { Name = "Control", IsControl = true, SortOrder = 0 }, new Variant { Name = "Mail", Weight = 2, SortOrder = 1 }],
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync();
        var ids = await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync();

        var preview = await ExperimentAssignments.PreviewAsync(db, experiment.Id, db.Customers.Select(c => c.Id));

        (await db.Assignments.CountAsync()).ShouldBe(0);
        var assigned = await ExperimentAssignments.AssignAsync(db, experiment.Id, ids, Now);
        preview.ShouldBe(assigned.Values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count()), ignoreOrder: true);

        // Once assigned, a customer's recorded arm counts, whatever the weights say now.
        var mail = await db.Variants.SingleAsync(v => v.Id == experiment.Variants[1].Id);
        mail.Weight = 1_000;
        await db.SaveChangesAsync();
        (await ExperimentAssignments.PreviewAsync(db, experiment.Id, db.Customers.Select(c => c.Id))).ShouldBe(preview, ignoreOrder: true);
    }

    [Fact]
    public void TheHashIsUniformAndDependsOnTheSalt()
    {
        var values = Enumerable.Range(1, 20_000).Select(id => VariantPicker.Unit("a", id)).ToArray();
        values.ShouldAllBe(v => v >= 0 && v < 1);
        values.Average().ShouldBeInRange(0.49, 0.51);
        values.Count(v => v < 0.1).ShouldBeInRange(1_800, 2_200);
        VariantPicker.Unit("a", 42).ShouldBe(VariantPicker.Unit("a", 42));
        VariantPicker.Unit("b", 42).ShouldNotBe(VariantPicker.Unit("a", 42));
    }

    public sealed class OnSqlite() : ExperimentAssignmentsTests(DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : ExperimentAssignmentsTests(DatabaseProviders.Postgres);
}
