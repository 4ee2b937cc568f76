using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// Creates the studio's first administrator from the setup page, once: four simultaneous posts used to create four admins,
/// because each checked "no users yet" before any of them had saved one.
/// </summary>
public static class FirstAdminSetup
{
    /// <summary>The settings row that serializes setups; it lives only inside the transaction that creates the admin.</summary>
    public const string LockKey = "setup.first-admin";

    /// <summary>
    /// In one transaction: insert the lock row (a primary key: a second transaction waits for the first to finish, on
    /// SQLite for its write lock, on PostgreSQL for the key), check there are still no users, create the admin with
    /// its role, remove the lock row, commit. Whoever comes second then sees the admin and is told setup is done.
    /// </summary>
    public static async Task<SetupOutcome> CreateAsync(AppDbContext db, UserManager<AppUser> users, string email, string password, TimeProvider clock,
        CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var lockRow = new StudioSetting { Key = LockKey, Value = email, UpdatedAt = clock.GetUtcNow().UtcDateTime };
        db.Settings.Add(lockRow);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another setup held the lock and committed without releasing it: impossible by construction, but never two admins.
            return SetupOutcome.AlreadyDone;
        }

        if (await users.Users.AnyAsync(ct))
        {
            return SetupOutcome.AlreadyDone;
        }

        var result = await StudioStartup.CreateUserAsync(users, email, password, Roles.Admin, "Administrator");
        if (!result.Succeeded)
        {
            return SetupOutcome.Refused(result.Errors.Select(e => e.Description));
        }

        db.Settings.Remove(lockRow);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return SetupOutcome.Created;
    }
}

/// <summary>What a setup post achieved: the admin was created, setup was already done, or the input was refused (and why).</summary>
public sealed record SetupOutcome(bool IsCreated, bool IsAlreadyDone, IReadOnlyList<string> Problems)
{
    public static SetupOutcome Created { get; } = new(true, false, []);

    public static SetupOutcome AlreadyDone { get; } = new(false, true, []);

    public static SetupOutcome Refused(IEnumerable<string> problems) => new(false, false, problems.ToList());
}
