using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>Form posts of the sign-in, sign-out and first-run setup pages (static pages: cookies need a real HTTP response).</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", async ([FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl,
            SignInManager<AppUser> signIn) =>
        {
            var result = await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: true, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(SafeReturnUrl(returnUrl));
            }

            var error = result.IsLockedOut ? "locked" : "invalid";
            return Results.Redirect($"/account/login?error={error}&email={Uri.EscapeDataString(email)}&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
        }).AllowAnonymous().Produces(StatusCodes.Status302Found);

        app.MapPost("/account/logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.Redirect("/account/login");
        }).Produces(StatusCodes.Status302Found);

        app.MapPost("/setup", async ([FromForm] string email, [FromForm] string password, [FromForm] string confirm,
            AppDbContext db, UserManager<AppUser> users, SignInManager<AppUser> signIn, FirstRunState state, TimeProvider clock) =>
        {
            if (!state.NeedsSetup)
            {
                return Results.Redirect("/");
            }

            if (password != confirm)
            {
                return Results.Redirect($"/setup?error={Uri.EscapeDataString("The passwords do not match.")}&email={Uri.EscapeDataString(email)}");
            }

            // The scoped context is the one the user store writes through, so the lock row and the admin share a transaction.
            var outcome = await FirstAdminSetup.CreateAsync(db, users, email.Trim(), password, clock);
            if (outcome.IsAlreadyDone)
            {
                state.NeedsSetup = false;
                return Results.Redirect("/");
            }

            if (!outcome.IsCreated)
            {
                return Results.Redirect($"/setup?error={Uri.EscapeDataString(string.Join(" ", outcome.Problems))}&email={Uri.EscapeDataString(email)}");
            }

            state.NeedsSetup = false;
            await signIn.PasswordSignInAsync(email.Trim(), password, isPersistent: true, lockoutOnFailure: false);
            return Results.Redirect("/");
        }).AllowAnonymous().Produces(StatusCodes.Status302Found);

        return app;
    }

    /// <summary>Only same-site paths: never redirect to another host after sign-in.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
