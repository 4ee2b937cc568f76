using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Bounces.Providers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Bounces;

/// <summary>What the settings page shows of the provider webhooks: never a secret, only whether one is stored.</summary>
/// <param name="SesTopicArns">The SNS topics the studio accepts (and confirms subscriptions of); none means SES is off.</param>
public sealed record ProviderWebhookSettings(IReadOnlyList<string> SesTopicArns, string PostmarkUser, bool HasPostmarkPassword, bool HasSendGridKey, bool HasMailgunKey)
{
    /// <summary>The providers whose webhooks are accepted now.</summary>
    public IReadOnlySet<EmailProvider> Enabled => new HashSet<EmailProvider>(new[]
    {
        SesTopicArns.Count > 0 ? EmailProvider.AmazonSes : (EmailProvider?)null,
        PostmarkUser.Length > 0 && HasPostmarkPassword ? EmailProvider.Postmark : null,
        HasSendGridKey ? EmailProvider.SendGrid : null,
        HasMailgunKey ? EmailProvider.Mailgun : null,
    }.OfType<EmailProvider>());
}

/// <summary>A change to the provider webhooks; a null value keeps what is stored, an empty one clears it.</summary>
public sealed record ProviderWebhookChange(IReadOnlyList<string>? SesTopicArns = null, string? PostmarkUser = null, string? PostmarkPassword = null,
    string? SendGridPublicKey = null, string? MailgunSigningKey = null);

/// <summary>The secrets the receiver checks requests with, in clear: for the webhook receiver only.</summary>
public sealed record ProviderWebhookSecrets(IReadOnlyList<string> SesTopicArns, string PostmarkUser, string PostmarkPassword, string SendGridPublicKey, string MailgunSigningKey);

/// <summary>
/// Keeps the provider webhook settings in the settings table under <c>Webhooks:</c>. The Postmark password, the SendGrid
/// verification key and the Mailgun signing key are stored protected by Data Protection (like the DKIM key) and never read
/// back to a page.
/// </summary>
public sealed class ProviderWebhookStore(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider clock)
{
    private const string Prefix = "Webhooks:";
    private const string SesTopics = Prefix + "SesTopicArns";
    private const string PostmarkUser = Prefix + "PostmarkUser";
    private const string PostmarkPassword = Prefix + "PostmarkPassword";
    private const string SendGridKey = Prefix + "SendGridPublicKey";
    private const string MailgunKey = Prefix + "MailgunSigningKey";

    private readonly IDataProtector _secrets = protection.CreateProtector("CampaignStudio.Webhooks.ProviderSecrets.v1");

    public async Task<ProviderWebhookSettings> GetAsync(CancellationToken ct = default)
    {
        var values = await ReadAsync(ct);
        return new ProviderWebhookSettings(Topics(values.GetValueOrDefault(SesTopics)), values.GetValueOrDefault(PostmarkUser) ?? "",
            values.GetValueOrDefault(PostmarkPassword) is { Length: > 0 }, values.GetValueOrDefault(SendGridKey) is { Length: > 0 },
            values.GetValueOrDefault(MailgunKey) is { Length: > 0 });
    }

    public async Task SaveAsync(ProviderWebhookChange change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var values = new Dictionary<string, string?>();
        if (change.SesTopicArns is { } topics)
        {
            values[SesTopics] = string.Join('\n', topics.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal));
        }

        if (change.PostmarkUser is { } user)
        {
            values[PostmarkUser] = user.Trim();
        }

        Secret(PostmarkPassword, change.PostmarkPassword);
        Secret(SendGridKey, change.SendGridPublicKey?.Trim());
        Secret(MailgunKey, change.MailgunSigningKey?.Trim());
        if (values.Count == 0)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await SettingRows.WriteAsync(db, values, clock.GetUtcNow().UtcDateTime, ct);

        void Secret(string key, string? value)
        {
            if (value is not null)
            {
                values[key] = value.Length == 0 ? null : _secrets.Protect(value);
            }
        }
    }

    public async Task<ProviderWebhookSecrets> SecretsAsync(CancellationToken ct = default)
    {
        var values = await ReadAsync(ct);
        string Clear(string key) => values.GetValueOrDefault(key) is { Length: > 0 } stored ? _secrets.Unprotect(stored) : "";
        return new ProviderWebhookSecrets(Topics(values.GetValueOrDefault(SesTopics)), values.GetValueOrDefault(PostmarkUser) ?? "",
            Clear(PostmarkPassword), Clear(SendGridKey), Clear(MailgunKey));
    }

    private static List<string> Topics(string? stored) =>
        (stored ?? "").Split(['\n', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private async Task<Dictionary<string, string?>> ReadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
    }
}
