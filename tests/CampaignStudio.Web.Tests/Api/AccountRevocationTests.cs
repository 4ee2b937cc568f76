using System.Net;
using System.Net.Http.Json;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>A bearer token or an API key is only as good as its account: lock or delete the account and the next call is refused.</summary>
public sealed class AccountRevocationTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    [Theory]
    [InlineData("locked")]
    [InlineData("deleted")]
    public async Task ALockedOrDeletedAccountsBearerTokenAndApiKeyStopWorkingAtOnce(string what)
    {
        var email = $"leaver-{what}@shop.example";
        using (var scope = app.Services.CreateScope())
        {
            var created = await StudioStartup.CreateUserAsync(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>(), email, StudioAppFactory.Password, Roles.Marketer, "Leaver");
            created.Succeeded.ShouldBeTrue();
        }

        var bearer = app.CreateClient();
        var login = await bearer.PostAsJsonAsync("/api/auth/login", new { email, password = StudioAppFactory.Password });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenDto>())!.AccessToken);
        var keyed = app.CreateClient();
        keyed.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        (await bearer.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await keyed.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var scope = app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            var done = what == "locked" ? await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue) : await users.DeleteAsync(user);
            done.Succeeded.ShouldBeTrue();
        }

        (await bearer.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "bearer token");
        (await keyed.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "API key");
    }

    private sealed record TokenDto(string AccessToken);
}
