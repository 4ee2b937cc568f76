using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// On PostgreSQL the grid's unfiltered total is the planner's estimate once there are many customers (counting a million
/// rows is the slow half of a page); a search is always counted exactly. Real server, its own database, 120,000 customers.
/// </summary>
public sealed class CustomerTotalEstimateTests(PostgresStudioAppFactory app) : IClassFixture<PostgresStudioAppFactory>, IAsyncLifetime
{
    private const int Customers = 120_000;
    private const int NamedZeta = 37;
    private AsyncServiceScope _scope;

    public async Task InitializeAsync()
    {
        _scope = app.Services.CreateAsyncScope();
        var factory = _scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        if (await db.Customers.AnyAsync())
        {
            return;
        }

        // Written in SQL: 120,000 rows through the importer would take the test a minute.
        await db.Database.ExecuteSqlRawAsync($"""
            INSERT INTO "Customers" ("Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City", "EmailConsent", "CreatedAt", "UpdatedAt", "IsErased")
            SELECT 'c' || n || '@example.com', 'Ann', CASE WHEN n <= {NamedZeta} THEN 'Zeta' ELSE 'Smith' END,
                   'ann', CASE WHEN n <= {NamedZeta} THEN 'zeta' ELSE 'smith' END, 'Austria', 'Wien', 'OptedIn',
                   timestamptz '2026-01-01 00:00:00+00', timestamptz '2026-01-01 00:00:00+00', false
            FROM generate_series(1, {Customers}) AS n
            """);
        // What autovacuum does after a bulk load; the estimate reads these statistics.
        await db.Database.ExecuteSqlRawAsync("""ANALYZE "Customers" """);
    }

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task TheUnfilteredTotalIsAnEstimateOfAboutEveryone()
    {
        var page = await Service().QueryAsync(new CustomerQuery(PageSize: 25));

        page.TotalIsEstimate.ShouldBeTrue();
        page.TotalIsCapped.ShouldBeFalse();
        page.Total.ShouldBeInRange((int)(Customers * 0.9), (int)(Customers * 1.1));
        page.Items.Count.ShouldBe(25);
    }

    [Fact]
    public async Task ASearchIsCountedExactly()
    {
        var page = await Service().QueryAsync(new CustomerQuery(Search: "zeta", PageSize: 25));

        page.TotalIsEstimate.ShouldBeFalse();
        page.Total.ShouldBe(NamedZeta);
        page.Items.Count.ShouldBe(25);
    }

    private CustomerService Service()
    {
        var user = _scope.ServiceProvider.GetRequiredService<CurrentUser>();
        user.Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "t"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
        return _scope.ServiceProvider.GetRequiredService<CustomerService>();
    }
}
