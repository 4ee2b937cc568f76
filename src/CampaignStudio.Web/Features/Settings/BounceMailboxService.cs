using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>The bounce mailbox as the settings page and the API show it: never the password, only whether one is stored.</summary>
public sealed record BounceMailboxView(string ReturnAddress, string ImapHost, int ImapPort, MailboxSecurity Security, string ImapUser, bool HasPassword,
    MailboxProtocol Protocol = MailboxProtocol.Imap);

/// <summary>The bounce mailbox settings (Admin changes them; checked here, not only by the hidden form).</summary>
public sealed class BounceMailboxService(BounceMailboxStore store, CurrentUser user)
{
    public async Task<BounceMailboxView> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var s = await store.GetAsync(ct);
        return new BounceMailboxView(s.ReturnAddress, s.ImapHost, s.ImapPort, s.Security, s.ImapUser, await store.HasPasswordAsync(ct), s.Protocol);
    }

    /// <summary>Saves; a null password keeps the stored one. Returns what is wrong, empty when saved.</summary>
    public async Task<IReadOnlyList<string>> SaveAsync(BounceMailboxSettings settings, string? password, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await user.RequireAsync(Policies.CanAdminister);
        var problems = new List<string>();
        if (settings.ImapPort is < 1 or > 65535)
        {
            problems.Add("The mailbox port must be between 1 and 65535.");
        }

        if (!string.IsNullOrWhiteSpace(settings.ImapHost) && string.IsNullOrWhiteSpace(settings.ReturnAddress))
        {
            problems.Add("Set the return address too: without it no bounce names its message.");
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            await store.SaveAsync(settings, password, ct);
            return [];
        }
        catch (ArgumentException ex)
        {
            return [ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]];
        }
    }
}
