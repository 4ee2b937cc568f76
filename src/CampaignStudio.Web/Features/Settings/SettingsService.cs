using System.Security.Claims;
using System.Security.Cryptography;
using CampaignStudio.Data;
using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>Users and roles (Admin only) and each user's own API keys.</summary>
public sealed class SettingsService(IDbContextFactory<AppDbContext> dbFactory, UserManager<AppUser> users, CurrentUser user, TimeProvider clock,
    Data.Settings.SenderIdentityStore senders)
{
    /// <summary>Who marketing e-mail comes from and the postal address in every footer; every role may see it.</summary>
    public async Task<Data.Settings.SenderIdentity> SenderAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        return await senders.GetAsync(ct);
    }

    /// <summary>Saves the sender identity (Admin only). Returns the problems in a marketer's words; empty when saved.</summary>
    public async Task<IReadOnlyList<string>> SaveSenderAsync(Data.Settings.SenderIdentity identity, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var problems = new List<string>();
        if (!IsAddress(identity.FromAddress))
        {
            problems.Add("Enter the address e-mail is sent from (e.g. news@yourshop.com).");
        }

        if (!string.IsNullOrWhiteSpace(identity.ReplyTo) && !IsAddress(identity.ReplyTo))
        {
            problems.Add("The reply-to address is not an e-mail address.");
        }

        if (string.IsNullOrWhiteSpace(identity.PostalAddress))
        {
            problems.Add("Enter the shop's postal address: the law wants it in every marketing e-mail.");
        }

        if (!Uri.TryCreate(identity.PublicBaseUrl?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            problems.Add("Enter the address people reach the studio at, e.g. https://studio.yourshop.com (unsubscribe links point there).");
        }

        if (problems.Count == 0)
        {
            await senders.SaveAsync(identity, ct);
        }

        return problems;
    }

    private static bool IsAddress(string? value) => System.Net.Mail.MailAddress.TryCreate(value?.Trim(), out var address) && address.Address == value!.Trim();

    public async Task<IReadOnlyList<UserListItem>> UsersAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var roleNames = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync(ct);
        var all = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return all.Select(u => new UserListItem(u.Id, u.Email ?? u.UserName ?? "", u.DisplayName,
            roleNames.FirstOrDefault(r => r.UserId == u.Id)?.Name ?? "", u.LockoutEnd is { } end && end > now)).ToList();
    }

    public async Task<IdentityResult> CreateUserAsync(string email, string password, string role, string? displayName)
    {
        await user.RequireAsync(Policies.CanAdminister);
        if (!Roles.All.Contains(role))
        {
            return IdentityResult.Failed(new IdentityError { Description = $"Unknown role '{role}'." });
        }

        return await StudioStartup.CreateUserAsync(users, email.Trim(), password, role, displayName);
    }

    public async Task<IdentityResult> SetRoleAsync(string userId, string role)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var target = await users.FindByIdAsync(userId);
        if (target is null || !Roles.All.Contains(role))
        {
            return IdentityResult.Failed(new IdentityError { Description = "Unknown user or role." });
        }

        var current = await users.GetRolesAsync(target);
        var removed = await users.RemoveFromRolesAsync(target, current);
        return removed.Succeeded ? await users.AddToRoleAsync(target, role) : removed;
    }

    public async Task UnlockAsync(string userId)
    {
        await user.RequireAsync(Policies.CanAdminister);
        if (await users.FindByIdAsync(userId) is { } target)
        {
            await users.SetLockoutEndDateAsync(target, null);
            await users.ResetAccessFailedCountAsync(target);
        }
    }

    public async Task<IReadOnlyList<ApiKeyItem>> MyKeysAsync(CancellationToken ct = default)
    {
        var me = await MyIdAsync();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking().Where(k => k.UserId == me).OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyItem(k.Id, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToListAsync(ct);
    }

    /// <summary>Creates a key for the signed-in user. The whole key is returned once; only its hash is kept.</summary>
    public async Task<string> CreateKeyAsync(string name, CancellationToken ct = default)
    {
        var me = await MyIdAsync();
        var key = "cs_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ApiKeys.Add(new ApiKey
        {
            UserId = me,
            Name = string.IsNullOrWhiteSpace(name) ? "API key" : name.Trim(),
            Prefix = key[..10],
            KeyHash = ApiKeyAuthenticationHandler.Hash(key),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(ct);
        return key;
    }

    public async Task RevokeKeyAsync(int id, CancellationToken ct = default)
    {
        var me = await MyIdAsync();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.UserId == me, ct);
        if (key is not null && key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
    }

    private async Task<string> MyIdAsync()
    {
        await user.RequireAsync(Policies.CanRead);
        return (await user.GetAsync()).FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new StudioForbiddenException("Sign in first.");
    }
}

public sealed record UserListItem(string Id, string Email, string? DisplayName, string Role, bool LockedOut);

public sealed record ApiKeyItem(int Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

public static class SettingsFeature
{
    public static IServiceCollection AddSettingsFeature(this IServiceCollection services) =>
        services.AddScoped<SettingsService>().AddScoped<SendingDomainService>().AddScoped<BounceMailboxService>().AddScoped<WebhookService>()
            .AddScoped<ProviderWebhooksService>().AddScoped<BrandService>();
}
