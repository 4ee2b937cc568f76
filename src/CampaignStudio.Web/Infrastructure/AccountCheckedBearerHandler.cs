using System.Text.Encodings.Web;
using CampaignStudio.Data.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// Identity's bearer tokens carry the user inside them and stay valid for an hour, whatever happens to the account.
/// This scheme reads the token through Identity's bearer scheme and then asks the account, on every call: a deleted user,
/// a changed security stamp or a locked account makes the token worthless at once (API keys are checked the same way
/// in <see cref="ApiKeyAuthenticationHandler"/>).
/// </summary>
public sealed class AccountCheckedBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SignInManager<AppUser> signIn)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AccountCheckedBearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = await Context.AuthenticateAsync(IdentityConstants.BearerScheme);
        if (!token.Succeeded)
        {
            return token;
        }

        // Null when the user is gone or its security stamp changed (password reset, role change, sign-out everywhere).
        var user = await signIn.ValidateSecurityStampAsync(token.Principal);
        if (user is null || await signIn.UserManager.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The token's account is locked or no longer exists.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(token.Principal, token.Properties, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Context.ChallengeAsync(IdentityConstants.BearerScheme, properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Context.ForbidAsync(IdentityConstants.BearerScheme, properties);
}
