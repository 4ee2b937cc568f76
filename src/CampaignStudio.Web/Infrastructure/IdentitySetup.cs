using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace CampaignStudio.Web.Infrastructure;

public static class IdentitySetup
{
    /// <summary>The scheme that picks cookie, bearer token or API key per request.</summary>
    public const string StudioScheme = "Studio";

    public static IServiceCollection AddStudioIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        // Data Protection (keys in the database, shared with the worker host) is set up once, by AddSendPipeline.
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();
        services.AddScoped<CurrentUser>();
        services.AddSingleton<FirstRunState>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = StudioScheme;
                options.DefaultChallengeScheme = StudioScheme;
                options.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(StudioScheme, "Cookie, bearer token or API key", options =>
            {
                options.ForwardDefaultSelector = context =>
                {
                    if (context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName))
                    {
                        return ApiKeyAuthenticationHandler.SchemeName;
                    }

                    var authorization = context.Request.Headers.Authorization.ToString();
                    if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                    {
                        return AccountCheckedBearerHandler.SchemeName;
                    }

                    // API calls without credentials get 401, not a redirect to the sign-in page.
                    if (context.Request.Path.StartsWithSegments("/api") && !context.Request.Cookies.ContainsKey(CookieName))
                    {
                        return AccountCheckedBearerHandler.SchemeName;
                    }

                    return IdentityConstants.ApplicationScheme;
                };
            })
            .AddBearerToken(IdentityConstants.BearerScheme)
            .AddScheme<AuthenticationSchemeOptions, AccountCheckedBearerHandler>(AccountCheckedBearerHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = CookieName;
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/access-denied";
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
        });

        services.AddIdentityCore<AppUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireDigit = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddApiEndpoints();

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.CanRead, p => p.RequireRole(Roles.Admin, Roles.Marketer, Roles.Manager))
            .AddPolicy(Policies.CanEdit, p => p.RequireRole(Roles.Admin, Roles.Marketer))
            .AddPolicy(Policies.CanAdminister, p => p.RequireRole(Roles.Admin));

        // Identity's EF stores want a scoped DbContext; the rest of the studio uses the factory.
        services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    public const string CookieName = "CampaignStudio.Auth";
}
