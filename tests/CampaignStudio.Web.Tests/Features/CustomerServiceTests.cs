using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>Paging, sorting and search against a real SQLite file and a real PostgreSQL database through the real host's services.</summary>
public abstract class CustomerServiceTests(StudioAppFactory app) : IAsyncLifetime
{
    private AsyncServiceScope _scope;

    public async Task InitializeAsync()
    {
        _scope = app.Services.CreateAsyncScope();
        var factory = _scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            if (await db.Customers.AnyAsync())
            {
                return;
            }
        }

        var csv = "email,first_name,last_name,country,external_id\n" + string.Join("\n", Enumerable.Range(0, 300).Select(i =>
            $"user{i:D3}@example.com,{(i % 3 == 0 ? "Zoe" : "Adam")},{(i < 5 ? "Müller" : "Smith" + i)},{(i % 2 == 0 ? "Austria" : "Germany")},X{i}"));
        var importer = _scope.ServiceProvider.GetRequiredService<CsvImporter>();
        await importer.ImportAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), ImportKind.Customers,
            ImportFields.Suggest(ImportKind.Customers, ["email", "first_name", "last_name", "country", "external_id"]));
    }

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private CustomerService Service(string role)
    {
        var user = _scope.ServiceProvider.GetRequiredService<CurrentUser>();
        user.Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "t"), new Claim(ClaimTypes.Role, role)], "test")));
        return _scope.ServiceProvider.GetRequiredService<CustomerService>();
    }

    [Fact]
    public async Task PagesAreDisjointAndCoverEveryone()
    {
        var service = Service(Roles.Manager);
        var seen = new HashSet<long>();
        for (var page = 0; page < 7; page++)
        {
            var result = await service.QueryAsync(new CustomerQuery(SortBy: "email", Page: page, PageSize: 50));
            result.Total.ShouldBe(300);
            result.TotalIsEstimate.ShouldBeFalse("a few hundred customers are counted, on PostgreSQL too");
            foreach (var item in result.Items)
            {
                seen.Add(item.Id).ShouldBeTrue();
            }
        }

        seen.Count.ShouldBe(300);
    }

    [Fact]
    public async Task SortingUsesTheRequestedColumnAndDirection()
    {
        var service = Service(Roles.Marketer);
        var ascending = await service.QueryAsync(new CustomerQuery(SortBy: "email", PageSize: 3));
        ascending.Items.Select(c => c.Email).ShouldBe(["user000@example.com", "user001@example.com", "user002@example.com"]);
        var descending = await service.QueryAsync(new CustomerQuery(SortBy: "email", Descending: true, PageSize: 1));
        descending.Items.Single().Email.ShouldBe("user299@example.com");
        var unknownSort = await service.QueryAsync(new CustomerQuery(SortBy: "PasswordHash; DROP TABLE Customers", PageSize: 1));
        unknownSort.Items.Single().Email.ShouldBe("user299@example.com");
    }

    [Theory]
    [InlineData("user01", 10)]
    [InlineData("USER01", 10)]
    [InlineData("müller", 5)]
    [InlineData("zoe", 100)]
    [InlineData("X42", 1)]
    [InlineData("nobody", 0)]
    public async Task SearchMatchesPrefixesCaseInsensitivelyAndExactExternalIds(string term, int expected)
    {
        var result = await Service(Roles.Manager).QueryAsync(new CustomerQuery(Search: term, PageSize: 500));
        result.Total.ShouldBe(expected);
        result.Items.Count.ShouldBe(expected);
    }

    [Fact]
    public async Task AUserWithoutARoleCannotRead()
    {
        await Should.ThrowAsync<StudioForbiddenException>(() => Service("Nobody").QueryAsync(new CustomerQuery()));
    }

    public sealed class OnSqlite(StudioAppFactory app) : CustomerServiceTests(app), IClassFixture<StudioAppFactory>;

    public sealed class OnPostgres(PostgresStudioAppFactory app) : CustomerServiceTests(app), IClassFixture<PostgresStudioAppFactory>;
}
