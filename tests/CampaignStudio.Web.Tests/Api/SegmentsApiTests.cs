using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class SegmentsApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Fact]
    public async Task TheBuildersPickListsAreReadableByEveryRoleMostFrequentFirst()
    {
        var marketer = app.CreateClient();
        marketer.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));
        var people = new[] { ("a", "Berlin"), ("b", "Berlin"), ("c", "Oberhausen"), ("d", "Bern"), ("e", "Berlin"), ("f", "Bern"), ("g", "Köln") };
        (await marketer.PostAsJsonAsync("/api/customers/batch", new { customers = people.Select(p => new { email = $"{p.Item1}@pick.example", city = p.Item2 }) }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        // The lists are counted with the customer stats (after every import); run that refresh as an import would.
        await new CustomerStatsRefresher(app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), app.Clock).RefreshAllAsync();

        var manager = app.CreateClient();
        manager.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("manager@demo.local"));
        (await manager.GetFromJsonAsync<string[]>("/api/segments/suggestions?field=city&search=BER")).ShouldBe(["Berlin", "Bern", "Oberhausen"]);
        (await manager.GetFromJsonAsync<string[]>("/api/segments/suggestions?field=city&take=1")).ShouldBe(["Berlin"]);

        var unknown = await manager.GetAsync("/api/segments/suggestions?field=email");
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("Suggestions exist for the fields city, country, purchased_category");
        (await app.CreateClient().GetAsync("/api/segments/suggestions?field=city")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
