using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>Authenticates API calls by a per-user key in the <c>X-Api-Key</c> header; the key carries its owner's roles.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<AppDbContext> dbFactory,
    UserManager<AppUser> users,
    IUserClaimsPrincipalFactory<AppUser> principals,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[HeaderName].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            return AuthenticateResult.NoResult();
        }

        var hash = Hash(key);
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        var apiKey = await db.ApiKeys.FirstOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, Context.RequestAborted);
        if (apiKey is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var user = await users.FindByIdAsync(apiKey.UserId);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The key's user is missing or locked out.");
        }

        apiKey.LastUsedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(Context.RequestAborted);
        var principal = await principals.CreateAsync(user);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    public static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim())));
}
