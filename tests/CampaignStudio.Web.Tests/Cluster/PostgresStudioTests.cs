using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Cluster;

/// <summary>The whole studio on PostgreSQL: started on an empty database, it migrates, seeds, signs people in and lists customers.</summary>
public sealed class PostgresStudioTests(PostgresStudioTests.DemoShopOnPostgres app) : IClassFixture<PostgresStudioTests.DemoShopOnPostgres>
{
    public sealed class DemoShopOnPostgres : PostgresStudioAppFactory
    {
        protected override int DemoCustomers => 400;
    }

    [Fact]
    public async Task TheStudioStartsOnPostgresSignsInAndListsCustomers()
    {
        var client = await app.SignedInClientAsync("marketer@demo.local");

        var first = await client.GetFromJsonAsync<CustomerPageDto>("/api/customers?page=0&pageSize=25&sort=email");
        var second = await client.GetFromJsonAsync<CustomerPageDto>("/api/customers?page=1&pageSize=25&sort=email");

        first!.Total.ShouldBe(400);
        first.Items.Count.ShouldBe(25);
        first.Items.Select(c => c.Email).ShouldBeInOrder(SortDirection.Ascending, StringComparer.Ordinal);
        first.Items.Select(c => c.Id).Intersect(second!.Items.Select(c => c.Id)).ShouldBeEmpty();
        var search = await client.GetFromJsonAsync<CustomerPageDto>($"/api/customers?search={Uri.EscapeDataString(first.Items[0].Email![..4].ToUpperInvariant())}");
        search!.Items.ShouldContain(c => c.Id == first.Items[0].Id);
        (await client.GetAsync("/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

/// <summary>Two studio instances on one PostgreSQL database, as behind a load balancer.</summary>
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private PostgresServer _server = null!;
    private string _database = null!;

    // The instances share one clock, as servers behind a load balancer share the time.
    private readonly StudioClock _clock = new();

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.SharedAsync();
        _database = await _server.CreateDatabaseAsync(migrated: false);
    }

    public async Task DisposeAsync() => await _server.DropDatabaseAsync(_database);

    [Fact]
    public async Task TwoInstancesStartingTogetherMigrateAndSetUpTheDatabaseOnce()
    {
        await using var a = PostgresStudioAppFactory.On(_database, _clock);
        await using var b = PostgresStudioAppFactory.On(_database, _clock);

        // Both hosts start (migrate, create roles and demo users) at the same time; neither may fail.
        await Task.WhenAll(Task.Run(() => a.Services), Task.Run(() => b.Services));
        (await a.CreateClient().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await b.CreateClient().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var db = await a.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        (await db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync()).ShouldBe(Roles.All.Order(StringComparer.Ordinal));
        (await db.Users.CountAsync()).ShouldBe(3);
        (await db.Database.GetAppliedMigrationsAsync()).Count().ShouldBe(1);
        // Only the startup lease: a background job (flows, webhooks) may hold its own lease by now.
        (await db.JobLeases.CountAsync(l => l.Name == "startup")).ShouldBe(0, "the startup lease is released once setup is done");
    }

    [Fact]
    public async Task ACookieAndASignedTokenFromOneInstanceAreValidOnTheOther()
    {
        await using var a = PostgresStudioAppFactory.On(_database, _clock);
        await using var b = PostgresStudioAppFactory.On(_database, _clock);
        _ = a.Services;
        _ = b.Services;

        var protectedByA = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("unsubscribe").Protect("customer 42");
        b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("unsubscribe").Unprotect(protectedByA).ShouldBe("customer 42");

        // Signed in on A; the next request lands on B with the same cookie.
        var cookie = await CookieFromAsync(a);
        var onB = b.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        onB.DefaultRequestHeaders.Add("Cookie", cookie);

        (await onB.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var anonymous = b.CreateClient(new() { AllowAutoRedirect = false });
        (await anonymous.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnInstanceStartingLeavesTheOtherInstancesImportsAloneAndMarksOrphansInterrupted()
    {
        await using var a = PostgresStudioAppFactory.On(_database, _clock);
        var factory = a.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        int alive, orphan;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var jobs = new[] { Job("alive.csv", a.Clock), Job("orphan.csv", a.Clock) };
            db.ImportJobs.AddRange(jobs);
            await db.SaveChangesAsync();
            (alive, orphan) = (jobs[0].Id, jobs[1].Id);
        }

        // A has the first job queued (its claim is live); the second belonged to an instance that died.
        await a.Services.GetRequiredService<JobClaims>().ClaimAsync(JobClaims.Import(alive));

        await using var b = PostgresStudioAppFactory.On(_database, _clock);
        _ = b.Services;

        await using var check = await factory.CreateDbContextAsync();
        (await check.ImportJobs.SingleAsync(j => j.Id == alive)).Status.ShouldBe(ImportStatus.Queued);
        (await check.ImportJobs.SingleAsync(j => j.Id == orphan)).Status.ShouldBe(ImportStatus.Interrupted);
        await a.Services.GetRequiredService<JobClaims>().ReleaseAsync(JobClaims.Import(alive));
    }

    private static ImportJob Job(string file, TimeProvider clock) =>
        new() { Kind = ImportKind.Customers, FileName = file, StoredPath = "/nowhere/" + file, Status = ImportStatus.Queued, CreatedBy = "test", CreatedAt = clock.GetUtcNow().UtcDateTime };

    /// <summary>Signs in through the real form on <paramref name="app"/> and returns the auth cookie header it set.</summary>
    private static async Task<string> CookieFromAsync(StudioAppFactory app)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var login = await client.GetAsync("/account/login");
        var antiforgeryCookies = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]);
        var token = StudioAppFactory.AntiforgeryToken(await login.Content.ReadAsStringAsync());
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = "manager@demo.local", ["password"] = StudioAppFactory.Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", antiforgeryCookies));
        var response = await client.SendAsync(post);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => c.StartsWith(Infrastructure.IdentitySetup.CookieName, StringComparison.Ordinal)));
    }
}

internal sealed record CustomerPageDto(List<CustomerItemDto> Items, int Total);

internal sealed record CustomerItemDto(long Id, string? Email, string? LastName);
