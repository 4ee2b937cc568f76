using CampaignStudio.Data;
using CampaignStudio.Data.Cluster;
using CampaignStudio.Data.Identity;
using CampaignStudio.Data.Seed;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Wording;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>What happens once at start, before the first request: migrate, roles, first admin, demo data, crash recovery.</summary>
public static class StudioStartup
{
    public const string AdminEmailVariable = "CAMPAIGNSTUDIO_ADMIN_EMAIL";
    public const string AdminPasswordVariable = "CAMPAIGNSTUDIO_ADMIN_PASSWORD";

    public static async Task RunAsync(IServiceProvider services, IHostEnvironment environment, IConfiguration configuration, CancellationToken ct)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("CampaignStudio.Startup");
        var dbFactory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        // Concurrent migrations are safe: EF Core takes a database-wide migration lock (a table lock on PostgreSQL).
        await DatabaseMigrator.MigrateAsync(dbFactory, ct);

        // The rest runs on one instance at a time: two instances starting together would both create roles and seed.
        await using var startup = await services.GetRequiredService<ClusterLeases>().AcquireAsync("startup", ct: ct);
        await MarkInterruptedImportsAsync(dbFactory, services.GetRequiredService<JobClaims>(), services.GetRequiredService<TimeProvider>(), ct);

        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var adminEmail = configuration[AdminEmailVariable];
        var adminPassword = configuration[AdminPasswordVariable];
        if (!string.IsNullOrWhiteSpace(adminEmail) && !string.IsNullOrWhiteSpace(adminPassword) && !await users.Users.AnyAsync(ct))
        {
            var result = await CreateUserAsync(users, adminEmail, adminPassword, Roles.Admin, "Administrator");
            log.LogInformation("First admin {Email} from environment: {Result}", adminEmail, result.Succeeded ? "created" : string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        var demo = configuration.GetSection("Demo");
        if (environment.IsDevelopment() && demo.GetValue("Users", false))
        {
            var password = demo["Password"] ?? "Demo-Password-2026!";
            foreach (var (email, role, name) in DemoUsers)
            {
                if (await users.FindByEmailAsync(email) is null)
                {
                    await CreateUserAsync(users, email, password, role, name);
                }
            }
        }

        if (demo.GetValue("Seed", false))
        {
            var seeder = new DemoShopSeeder(dbFactory, services.GetRequiredService<TimeProvider>());
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (await seeder.SeedIfEmptyAsync(new DemoShopOptions(demo.GetValue("Customers", 50_000)), ct))
            {
                log.LogInformation("Seeded the demo shop in {Seconds:F1} s", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }

        services.GetRequiredService<FirstRunState>().NeedsSetup = !await users.Users.AnyAsync(ct);
    }

    public static readonly (string Email, string Role, string Name)[] DemoUsers =
    [
        ("admin@demo.local", Roles.Admin, "Ada Admin"),
        ("marketer@demo.local", Roles.Marketer, "Mark Marketer"),
        ("manager@demo.local", Roles.Manager, "Mona Manager"),
    ];

    public static async Task<IdentityResult> CreateUserAsync(UserManager<AppUser> users, string email, string password, string role, string? displayName)
    {
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName };
        var result = await users.CreateAsync(user, password);
        return result.Succeeded ? await users.AddToRoleAsync(user, role) : result;
    }

    /// <summary>A job that was running when the process died cannot be running now: say so instead of showing a frozen bar.</summary>
    private static async Task MarkInterruptedImportsAsync(IDbContextFactory<AppDbContext> dbFactory, JobClaims claims, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var running = await db.ImportJobs.Where(j => j.Status == ImportStatus.Running || j.Status == ImportStatus.Queued).ToListAsync(ct);
        foreach (var job in running)
        {
            if (await claims.IsAliveAsync(JobClaims.Import(job.Id), ct))
            {
                continue; // queued or running on another instance
            }

            job.Status = ImportStatus.Interrupted;
            job.FinishedAt = clock.GetUtcNow().UtcDateTime;
            job.Message = $"The studio stopped during this import. {Plural.Of(job.ProcessedRows, "row")} {(job.ProcessedRows == 1 ? "was" : "were")} committed in whole batches; import the file again to finish — rows already imported are updated, not duplicated.";
        }

        await db.SaveChangesAsync(ct);
    }
}

/// <summary>Whether the studio still needs its first admin (Production first start).</summary>
public sealed class FirstRunState
{
    public volatile bool NeedsSetup;
}

/// <summary>Until the first admin exists, every page leads to the setup page.</summary>
public sealed class FirstRunSetupMiddleware(RequestDelegate next, FirstRunState state)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (state.NeedsSetup)
        {
            var path = context.Request.Path;
            var allowed = path.StartsWithSegments("/setup") || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content")
                || path.StartsWithSegments("/assets") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/_blazor");
            if (!allowed)
            {
                context.Response.Redirect("/setup");
                return Task.CompletedTask;
            }
        }

        return next(context);
    }
}
