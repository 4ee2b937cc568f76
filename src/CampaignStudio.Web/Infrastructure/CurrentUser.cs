using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// The user behind the current request or Blazor circuit. Services ask it before they change anything,
/// so a hidden button is never the only thing between a Manager and a write.
/// </summary>
public sealed class CurrentUser(IHttpContextAccessor http, IServiceProvider services, IAuthorizationService authorization)
{
    private ClaimsPrincipal? _principal;

    /// <summary>Lets background jobs and tests act as a given principal.</summary>
    public void Use(ClaimsPrincipal principal) => _principal = principal;

    public async Task<ClaimsPrincipal> GetAsync()
    {
        if (_principal is not null)
        {
            return _principal;
        }

        // In an HTTP request (API, static pages) the context holds the user; in a circuit there is no context.
        if (http.HttpContext?.User is { Identity.IsAuthenticated: true } user)
        {
            return user;
        }

        var provider = services.GetService<AuthenticationStateProvider>();
        if (provider is not null)
        {
            try
            {
                return (await provider.GetAuthenticationStateAsync()).User;
            }
            catch (InvalidOperationException)
            {
                // Outside a circuit (no authentication state set): anonymous.
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity());
    }

    public async Task<string> NameAsync() => (await GetAsync()).Identity?.Name ?? "anonymous";

    public async Task<bool> IsAllowedAsync(string policy) => (await authorization.AuthorizeAsync(await GetAsync(), policy)).Succeeded;

    /// <summary>Throws <see cref="StudioForbiddenException"/> unless the user satisfies the policy.</summary>
    public async Task RequireAsync(string policy)
    {
        if (!await IsAllowedAsync(policy))
        {
            throw new StudioForbiddenException($"Your role does not allow this ({policy}).");
        }
    }
}

/// <summary>The signed-in user's role does not allow the operation. The API answers 403.</summary>
public sealed class StudioForbiddenException(string message) : Exception(message);
