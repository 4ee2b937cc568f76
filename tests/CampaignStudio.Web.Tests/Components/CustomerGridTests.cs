using Bunit;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

public sealed class CustomerGridTests : MudTestContext
{
    private readonly List<CustomerQuery> _queries = [];

    private Task<CustomerPage> Query(CustomerQuery query, CancellationToken ct)
    {
        _queries.Add(query);
        var all = Enumerable.Range(1, 60)
            .Select(i => new CustomerListItem(i, $"C{i}", $"person{i}@example.com", "Person", $"Number {i}", "Germany", "Berlin",
                i % 2 == 0 ? ConsentStatus.OptedIn : ConsentStatus.Unknown, new DateTime(2025, 1, 1).AddDays(i)))
            .Where(c => query.Search is null || c.Email!.StartsWith(query.Search, StringComparison.Ordinal))
            .ToList();
        return Task.FromResult(new CustomerPage(all.Skip(query.Page * query.PageSize).Take(query.PageSize).ToList(), all.Count));
    }

    [Fact]
    public void ShowsTheFirstServerPageAndTheTotal()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, Query));

        grid.WaitForAssertion(() => grid.FindAll("tbody tr.mud-table-row").Count.ShouldBe(25));
        grid.Find("[data-testid=customer-total]").TextContent.ShouldBe("60 customers");
        grid.Markup.ShouldContain("person1@example.com");
        grid.Markup.ShouldContain("Opted in");
        _queries.Last().ShouldBe(new CustomerQuery(null, null, false, 0, 25));
    }

    [Fact]
    public void SearchingAsksTheServerWithTheTerm()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, Query));
        grid.WaitForAssertion(() => grid.FindAll("tbody tr.mud-table-row").Count.ShouldBe(25));

        grid.Find("input[data-testid=customer-search], [data-testid=customer-search] input").Input("person5");

        grid.WaitForAssertion(() => _queries.Last().Search.ShouldBe("person5"), TimeSpan.FromSeconds(3));
        grid.WaitForAssertion(() => grid.Find("[data-testid=customer-total]").TextContent.ShouldBe("11 customers"));
    }

    [Fact]
    public void SortingByTheNameColumnSendsTheAllowListedKey()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, Query));
        grid.WaitForAssertion(() => grid.FindAll("tbody tr.mud-table-row").Count.ShouldBe(25));

        grid.FindAll("th .sortable-column-header").First().Click();

        grid.WaitForAssertion(() => _queries.Last().SortBy.ShouldBe("name"));
    }

    [Fact]
    public void OneCustomerIsCountedInTheSingular()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, Query));
        grid.WaitForAssertion(() => grid.FindAll("tbody tr.mud-table-row").Count.ShouldBe(25));

        // Only person60 starts with "person60".
        grid.Find("input[data-testid=customer-search], [data-testid=customer-search] input").Input("person60");

        grid.WaitForAssertion(() => grid.Find("[data-testid=customer-total]").TextContent.ShouldBe("1 customer"), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void AnEstimatedTotalSaysAbout()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, (CustomerQuery q, CancellationToken ct) =>
            Query(q, ct).ContinueWith(t => t.Result with { Total = 1_000_000, TotalIsEstimate = true }, TaskScheduler.Default)));

        grid.WaitForAssertion(() => grid.Find("[data-testid=customer-total]").TextContent.ShouldBe("about 1,000,000 customers"));
    }

    [Fact]
    public void AnEmptyStudioExplainsWhatToDo()
    {
        var grid = Render<CustomerGrid>(p => p.Add(g => g.Query, (CustomerQuery _, CancellationToken _) => Task.FromResult(new CustomerPage([], 0))));

        grid.WaitForAssertion(() => grid.Markup.ShouldContain("No customers yet"));
    }
}
