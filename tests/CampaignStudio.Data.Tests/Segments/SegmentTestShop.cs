using CampaignStudio.Data.Customers;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>Five hand-built customers in a real database of either provider, shared by the condition tests (read-only).</summary>
public abstract class SegmentTestShop(string provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public bool IsSqlite => provider == Data.DatabaseProviders.Sqlite;

    public IDbContextFactory<AppDbContext> Factory => _database!.Factory;

    public int ExperimentId { get; private set; }
    public int VariantA { get; private set; }
    public int VariantB { get; private set; }
    public int SnapshotSegmentId { get; private set; }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        await using var db = await Factory.CreateDbContextAsync();

        var anna = CustomerTestBuilder.Named("Anna", "Schmidt").WithEmail("anna@example.com").From("DE", "Berlin").WithGender("f").BornIn(1990)
            .CreatedOn(new DateTime(2024, 1, 10, 9, 0, 0, DateTimeKind.Utc)).WithAttribute("tier", "Gold").WithAttribute("favourite colour", "Dark Blue")
            .Bought(50m, "Shoes", daysAgo: 5).Bought(30m, "Books", daysAgo: 40).Did(EventTypes.EmailClick, daysAgo: 3, times: 3)
            .WithConsent(ConsentStatus.OptedIn).Build();
        var ben = CustomerTestBuilder.Named("Ben", "Müller").WithEmail("ben@example.org").From("AT", "Wien").WithGender("m").BornIn(1975)
            .CreatedOn(new DateTime(2025, 3, 1, 23, 59, 0, DateTimeKind.Utc)).WithAttribute("tier", "silver")
            .Bought(200m, "Electronics", daysAgo: 200).Did(EventTypes.EmailOpen, daysAgo: 2)
            .WithConsent(ConsentStatus.OptedOut).Build();
        var clara = CustomerTestBuilder.Named("Clara", "Dupont").WithEmail("clara@shop.fr").From("FR", "Paris").WithGender("f")
            .CreatedOn(new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc)).Did(EventTypes.Visit, daysAgo: 1, times: 5).Build();
        var david = CustomerTestBuilder.Named("David", "O'Brien").WithEmail("david.obrien@example.com").From(null).BornIn(2000)
            .CreatedOn(new DateTime(2023, 5, 5, 0, 0, 0, DateTimeKind.Utc)).WithAttribute("note", "' OR 1=1 --")
            .Bought(10m, "Books", daysAgo: 1).Bought(10m, "books", daysAgo: 2).Bought(10m, "Books", daysAgo: 3)
            .WithConsent(ConsentStatus.Pending).Build();
        var eva = CustomerTestBuilder.Named("Eva", "Nowak").From("PL", "Kraków").WithGender("").BornIn(1960)
            .CreatedOn(new DateTime(2022, 12, 31, 0, 0, 0, DateTimeKind.Utc)).WithAttribute("tier", "GOLD")
            .Bought(100m, "Shoes", daysAgo: 400).WithConsent(ConsentStatus.Bounced).Build();
        db.Customers.AddRange(anna, ben, clara, david, eva);

        var experiment = new Experiment
        {
            Name = "Discount e-mail",
            AssignmentSalt = "s",
            Variants = [new Variant { Name = "Control", IsControl = true }, new Variant { Name = "Discount" }],
        };
        db.Experiments.Add(experiment);
        var snapshot = new Segment { Name = "Launch audience", Kind = SegmentKind.Snapshot };
        db.Segments.Add(snapshot);
        await db.SaveChangesAsync();

        ExperimentId = experiment.Id;
        VariantA = experiment.Variants[0].Id;
        VariantB = experiment.Variants[1].Id;
        SnapshotSegmentId = snapshot.Id;
        db.Assignments.AddRange(
            new Assignment { ExperimentId = ExperimentId, VariantId = VariantA, CustomerId = anna.Id },
            new Assignment { ExperimentId = ExperimentId, VariantId = VariantA, CustomerId = ben.Id },
            new Assignment { ExperimentId = ExperimentId, VariantId = VariantB, CustomerId = clara.Id },
            new Assignment { ExperimentId = ExperimentId, VariantId = VariantB, CustomerId = null });
        db.SegmentMembers.AddRange(new SegmentMember { SegmentId = snapshot.Id, CustomerId = ben.Id }, new SegmentMember { SegmentId = snapshot.Id, CustomerId = eva.Id });
        await db.SaveChangesAsync();

        // Purchase totals without a window and RFM scores read the stats, as after an import.
        await new CustomerStatsRefresher(Factory, new FixedClock()).RefreshAllAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    public sealed class OnSqlite() : SegmentTestShop(Data.DatabaseProviders.Sqlite);

    public sealed class OnPostgres() : SegmentTestShop(Data.DatabaseProviders.Postgres);
}
