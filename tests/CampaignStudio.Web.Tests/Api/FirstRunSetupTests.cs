using System.Net;
using CampaignStudio.Data.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class FirstRunSetupTests
{
    /// <summary>A Production start on an empty database: no demo users, no demo shop.</summary>
    private sealed class EmptyProductionStudio(Dictionary<string, string?>? extra = null) : StudioAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>(extra ?? [])
            {
                ["Demo:Users"] = "false",
            }));
        }
    }

    [Fact]
    public async Task WithoutUsersEveryPageLeadsToSetupWhichCreatesTheFirstAdminOnce()
    {
        await using var app = new EmptyProductionStudio();
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var home = await client.GetAsync("/");
        home.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        home.Headers.Location!.OriginalString.ShouldBe("/setup");

        var setup = await client.GetStringAsync("/setup");
        var token = StudioAppFactory.AntiforgeryToken(setup);
        var tooShort = await client.PostAsync("/setup", Form(token, "owner@shop.example", "short", "short"));
        tooShort.Headers.Location!.OriginalString.ShouldContain("error=");

        var created = await client.PostAsync("/setup", Form(token, "owner@shop.example", "a-long-enough-password", "a-long-enough-password"));
        created.Headers.Location!.OriginalString.ShouldBe("/");

        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var owner = await users.FindByEmailAsync("owner@shop.example");
        owner.ShouldNotBeNull();
        (await users.GetRolesAsync(owner)).ShouldBe(["Admin"]);

        // Once an admin exists, setup is closed, even for a well-formed post with a valid antiforgery token.
        var stranger = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var strangerToken = StudioAppFactory.AntiforgeryToken(await stranger.GetStringAsync("/account/login"));
        var again = await stranger.PostAsync("/setup", Form(strangerToken, "intruder@example.com", "another-long-password", "another-long-password"));
        again.Headers.Location!.OriginalString.ShouldBe("/");
        (await users.FindByEmailAsync("intruder@example.com")).ShouldBeNull();
        (await client.GetAsync("/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A Production start on an empty PostgreSQL database.</summary>
    private sealed class EmptyPostgresProductionStudio : PostgresStudioAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?> { ["Demo:Users"] = "false" }));
        }
    }

    [Fact]
    public async Task OfManySimultaneousSetupPostsExactlyOneCreatesAnAdminOnSqlite()
    {
        await using var app = new EmptyProductionStudio();
        await ExactlyOneSetupWinsAsync(app);
    }

    [Fact]
    public async Task OfManySimultaneousSetupPostsExactlyOneCreatesAnAdminOnPostgres()
    {
        var app = new EmptyPostgresProductionStudio();
        await app.InitializeAsync();
        try
        {
            await ExactlyOneSetupWinsAsync(app);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    /// <summary>Eight people (or one script) submit the setup form at the same moment, each with a valid form: one wins.</summary>
    private static async Task ExactlyOneSetupWinsAsync(StudioAppFactory app)
    {
        const int Contenders = 8;
        var forms = new List<(HttpClient Client, FormUrlEncodedContent Form)>();
        for (var i = 0; i < Contenders; i++)
        {
            var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            var token = StudioAppFactory.AntiforgeryToken(await client.GetStringAsync("/setup"));
            forms.Add((client, Form(token, $"admin{i}@shop.example", "a-long-enough-password", "a-long-enough-password")));
        }

        using var start = new Barrier(Contenders);
        var posts = forms.Select(f => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await f.Client.PostAsync("/setup", f.Form);
        })).ToList();
        var responses = await Task.WhenAll(posts);

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Redirect);
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admins = await users.GetUsersInRoleAsync("Admin");
        admins.Count.ShouldBe(1);
        users.Users.Count().ShouldBe(1);

        // The winner is signed in; every other contender is told setup is closed and is not.
        var winner = admins[0].Email;
        for (var i = 0; i < Contenders; i++)
        {
            var signedIn = (await forms[i].Client.GetAsync("/customers")).StatusCode == HttpStatusCode.OK;
            signedIn.ShouldBe($"admin{i}@shop.example" == winner, $"contender {i}");
        }
    }

    [Fact]
    public async Task EnvironmentVariablesCreateTheFirstAdmin()
    {
        await using var app = new EmptyProductionStudio(new()
        {
            ["CAMPAIGNSTUDIO_ADMIN_EMAIL"] = "boss@shop.example",
            ["CAMPAIGNSTUDIO_ADMIN_PASSWORD"] = "boss-password-2026",
        });
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var home = await client.GetAsync("/");

        home.Headers.Location!.OriginalString.ShouldStartWith("http://localhost/account/login");
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.GetRolesAsync((await users.FindByEmailAsync("boss@shop.example"))!)).ShouldBe(["Admin"]);
        (await users.FindByEmailAsync("admin@demo.local")).ShouldBeNull();
    }

    private static FormUrlEncodedContent Form(string token, string email, string password, string confirm) => new(new Dictionary<string, string>
    {
        ["email"] = email,
        ["password"] = password,
        ["confirm"] = confirm,
        ["__RequestVerificationToken"] = token,
    });
}
