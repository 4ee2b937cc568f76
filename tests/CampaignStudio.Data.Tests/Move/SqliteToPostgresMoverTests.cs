using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Data.Move;
using CampaignStudio.Data.Seed;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Move;

/// <summary>A real SQLite studio file (the demo shop plus identity, settings and keys) moved into a real PostgreSQL database.</summary>
public sealed class SqliteToPostgresMoverTests
{
    [Fact]
    public async Task EveryTableArrivesWithTheSameRowsAndNewRowsGetFreshIds()
    {
        await using var sqlite = await SqliteTestDatabase.CreateAsync();
        await new DemoShopSeeder(sqlite.Factory, new FixedClock()).SeedIfEmptyAsync(new DemoShopOptions(Customers: 600, Seed: 3));
        await using (var db = await sqlite.Factory.CreateDbContextAsync())
        {
            var role = new IdentityRole(Roles.Admin) { NormalizedName = Roles.Admin.ToUpperInvariant() };
            var user = new AppUser { UserName = "ada@example.com", NormalizedUserName = "ADA@EXAMPLE.COM", Email = "ada@example.com", LockoutEnd = new DateTimeOffset(2026, 7, 1, 8, 30, 0, TimeSpan.Zero) };
            db.Roles.Add(role);
            db.Users.Add(user);
            db.UserRoles.Add(new IdentityUserRole<string> { RoleId = role.Id, UserId = user.Id });
            db.Settings.Add(new StudioSetting { Key = "sender.name", Value = "Müller & Söhne", UpdatedAt = FixedClock.Now });
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = "key-1", Xml = "<key id=\"1\" />" });
            await db.SaveChangesAsync();
        }

        var server = await PostgresServer.SharedAsync();
        var target = await server.CreateDatabaseAsync(migrated: false);
        try
        {
            var tables = await new SqliteToPostgresMover(sqlite.Options, target).MoveAsync();

            tables.ShouldAllBe(t => t.Matches);
            var rows = tables.ToDictionary(t => t.Table, t => t.TargetRows);
            foreach (var table in new[] { "Customers", "Purchases", "CustomerEvents", "ConsentRecords", "Experiments", "Variants", "Assignments", "Segments",
                         "AspNetUsers", "AspNetRoles", "AspNetUserRoles", "Settings", "DataProtectionKeys" })
            {
                rows[table].ShouldBeGreaterThan(0, table);
            }

            var pgOptions = new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = target };
            var builder = new DbContextOptionsBuilder<AppDbContext>();
            DependencyInjection.Configure(builder, pgOptions);
            await using var pg = new AppDbContext(builder.Options);
            await using var source = await sqlite.Factory.CreateDbContextAsync();

            // Values survive the type change: text dates become timestamptz (PostgreSQL keeps microseconds, SQLite had 100 ns ticks),
            // REAL money numeric, JSON stays JSON.
            var before = await source.Customers.AsNoTracking().OrderBy(c => c.Id).Take(50).ToListAsync();
            var after = await pg.Customers.AsNoTracking().OrderBy(c => c.Id).Take(50).ToListAsync();
            after.Select(c => (c.Id, c.Email, c.Country, c.CountryKey, c.CreatedAt.Ticks / 10, c.EmailConsent, c.Attributes.Count))
                .ShouldBe(before.Select(c => (c.Id, c.Email, c.Country, c.CountryKey, c.CreatedAt.Ticks / 10, c.EmailConsent, c.Attributes.Count)));
            (await pg.Purchases.SumAsync(p => p.Amount)).ShouldBe(await source.Purchases.SumAsync(p => p.Amount), 0.01m);
            (await pg.Users.SingleAsync()).LockoutEnd.ShouldBe(new DateTimeOffset(2026, 7, 1, 8, 30, 0, TimeSpan.Zero));
            (await pg.Settings.SingleAsync(s => s.Key == "sender.name")).Value.ShouldBe("Müller & Söhne");

            // Identity sequences were moved past the copied ids.
            var maxId = await pg.Customers.MaxAsync(c => c.Id);
            var newcomer = CustomerTestBuilder.Named("New").WithEmail("new@example.com").Build();
            pg.Customers.Add(newcomer);
            await pg.SaveChangesAsync();
            newcomer.Id.ShouldBe(maxId + 1);

            // A second move into the now non-empty database is refused rather than mixing two studios.
            (await Should.ThrowAsync<InvalidOperationException>(() => new SqliteToPostgresMover(sqlite.Options, target).MoveAsync())).Message.ShouldContain("not empty");
        }
        finally
        {
            await server.DropDatabaseAsync(target);
        }
    }
}
