using System.Text;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Bounces;
using CampaignStudio.Messaging.Bounces.Providers;
using CampaignStudio.Sending.Bounces;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Webhooks;

/// <summary>What the studio answers a provider: the HTTP status and why, in words (the providers show it in their logs).</summary>
public sealed record WebhookAnswer(int Status, string Reason)
{
    public static WebhookAnswer Unsigned(string reason) => new(StatusCodes.Status401Unauthorized, reason);

    public static WebhookAnswer Bad(string reason) => new(StatusCodes.Status400BadRequest, reason);

    public bool Accepted => Status == StatusCodes.Status200OK;
}

/// <summary>
/// Checks each provider's webhook as that provider secures it, then records its bounces and complaints through the
/// <see cref="ProviderEventRecorder"/> (the bounce mailbox's ledger and policy). Refusals are logged and answered with the
/// reason; an event already recorded (a provider's retry, a replay) is answered 200 and counted once.
/// </summary>
public sealed class ProviderWebhookReceiver(ProviderWebhookStore store, ProviderEventRecorder recorder, SnsCertificates certificates,
    ProviderWebhookOptions options, IHttpClientFactory http, IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, ILogger<ProviderWebhookReceiver> log)
{
    public async Task<WebhookAnswer> AmazonSesAsync(string body, CancellationToken ct)
    {
        var topics = (await store.SecretsAsync(ct)).SesTopicArns;
        if (topics.Count == 0)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned("Amazon SES webhooks are not set up in the studio (no SNS topic is allowed)."));
        }

        if (SnsMessage.Parse(body) is not { } sns)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned("Not a signed SNS message (Type, MessageId, TopicArn, Message, Timestamp, Signature or SigningCertURL missing)."));
        }

        if (!topics.Contains(sns.TopicArn, StringComparer.Ordinal))
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned($"The topic {sns.TopicArn} is not one the studio accepts."));
        }

        if (certificates.Refusal(sns.SigningCertUrl) is { } hostRefusal)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned("The signing certificate is refused: " + hostRefusal));
        }

        bool signed;
        try
        {
            signed = sns.IsSignedBy(await certificates.GetAsync(sns.SigningCertUrl, ct));
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or System.Security.Cryptography.CryptographicException or TaskCanceledException)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned($"The signing certificate could not be read: {ex.Message}"));
        }

        if (!signed)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Unsigned("The SNS signature does not match the message (altered, or not signed by SNS)."));
        }

        if (Stale(sns.PublishedAt, options.SnsMaxAge) is { } stale)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Bad("The SNS message is " + stale));
        }

        switch (sns.Type)
        {
            case SnsMessage.SubscriptionConfirmation:
                return await ConfirmAsync(sns, ct);
            case SnsMessage.UnsubscribeConfirmation:
                log.LogWarning("Amazon SES: the SNS topic {Topic} unsubscribed this studio", sns.TopicArn);
                return new WebhookAnswer(StatusCodes.Status200OK, "Unsubscription noted.");
            case SnsMessage.Notification:
                return await RecordAsync(EmailProvider.AmazonSes, () => AmazonSes.Read(sns.Message), ct);
            default:
                return Refused(EmailProvider.AmazonSes, WebhookAnswer.Bad($"Unknown SNS message type {sns.Type}."));
        }
    }

    public async Task<WebhookAnswer> PostmarkAsync(string? authorization, string body, CancellationToken ct)
    {
        var secrets = await store.SecretsAsync(ct);
        if (secrets.PostmarkUser.Length == 0 || secrets.PostmarkPassword.Length == 0)
        {
            return Refused(EmailProvider.Postmark, WebhookAnswer.Unsigned("Postmark webhooks are not set up in the studio (no user name and password)."));
        }

        if (!Postmark.CredentialsMatch(authorization, secrets.PostmarkUser, secrets.PostmarkPassword))
        {
            return Refused(EmailProvider.Postmark, WebhookAnswer.Unsigned(authorization is null
                ? "Postmark does not sign webhooks: the studio requires the basic-auth user name and password set in the webhook URL."
                : "Wrong Postmark webhook user name or password."));
        }

        return await RecordAsync(EmailProvider.Postmark, () => Postmark.Read(body), ct);
    }

    public async Task<WebhookAnswer> SendGridAsync(string? signature, string? timestamp, byte[] body, CancellationToken ct)
    {
        var key = (await store.SecretsAsync(ct)).SendGridPublicKey;
        if (key.Length == 0)
        {
            return Refused(EmailProvider.SendGrid, WebhookAnswer.Unsigned("SendGrid webhooks are not set up in the studio (no verification key)."));
        }

        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp))
        {
            return Refused(EmailProvider.SendGrid, WebhookAnswer.Unsigned($"Unsigned: the {SendGrid.SignatureHeader} and {SendGrid.TimestampHeader} headers are required (turn on the signed Event Webhook)."));
        }

        if (!SendGrid.IsSignedBy(key, timestamp, body, signature))
        {
            return Refused(EmailProvider.SendGrid, WebhookAnswer.Unsigned("The SendGrid signature does not match the timestamp and body (altered, or another key)."));
        }

        if (Stale(long.TryParse(timestamp, out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null, options.SignedRequestMaxAge) is { } stale)
        {
            return Refused(EmailProvider.SendGrid, WebhookAnswer.Bad("The SendGrid request is " + stale));
        }

        return await RecordAsync(EmailProvider.SendGrid, () => SendGrid.Read(Encoding.UTF8.GetString(body)), ct);
    }

    public async Task<WebhookAnswer> MailgunAsync(string body, CancellationToken ct)
    {
        var key = (await store.SecretsAsync(ct)).MailgunSigningKey;
        if (key.Length == 0)
        {
            return Refused(EmailProvider.Mailgun, WebhookAnswer.Unsigned("Mailgun webhooks are not set up in the studio (no webhook signing key)."));
        }

        if (Mailgun.SignatureOf(body) is not { } signature)
        {
            return Refused(EmailProvider.Mailgun, WebhookAnswer.Unsigned("Unsigned: the body has no signature {timestamp, token, signature}."));
        }

        if (!signature.IsSignedWith(key))
        {
            return Refused(EmailProvider.Mailgun, WebhookAnswer.Unsigned("The Mailgun signature does not match (altered, or another signing key)."));
        }

        if (Stale(signature.SignedAt, options.SignedRequestMaxAge) is { } stale)
        {
            return Refused(EmailProvider.Mailgun, WebhookAnswer.Bad("The Mailgun request is " + stale));
        }

        // The signature does not cover the event: a token used once may not carry another body.
        var provider = ProviderEvent.Name(EmailProvider.Mailgun);
        if (!await UsedWebhookTokens.TryUseAsync(dbFactory, provider, signature.Token, clock.GetUtcNow().UtcDateTime, ct))
        {
            return Refused(EmailProvider.Mailgun, WebhookAnswer.Unsigned("This Mailgun token was used before: a replayed request."));
        }

        try
        {
            return await RecordAsync(EmailProvider.Mailgun, () => Mailgun.Read(body), ct);
        }
        catch
        {
            await UsedWebhookTokens.ReleaseAsync(dbFactory, provider, signature.Token);
            throw;
        }
    }

    private async Task<WebhookAnswer> ConfirmAsync(SnsMessage sns, CancellationToken ct)
    {
        if (certificates.Refusal(sns.SubscribeUrl) is { } refusal)
        {
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Bad("The subscription is not confirmed: " + refusal));
        }

        using var client = http.CreateClient(SnsCertificates.HttpClientName);
        try
        {
            using var response = await client.GetAsync(new Uri(sns.SubscribeUrl!), ct);
            if (!response.IsSuccessStatusCode)
            {
                return Refused(EmailProvider.AmazonSes, WebhookAnswer.Bad($"SNS answered {(int)response.StatusCode} to the subscription confirmation."));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The subscription stays unconfirmed; the reason goes to the log and to SNS.
            return Refused(EmailProvider.AmazonSes, WebhookAnswer.Bad($"The subscription confirmation URL could not be reached: {ex.Message}"));
        }

        log.LogInformation("Amazon SES: subscription to the SNS topic {Topic} confirmed", sns.TopicArn);
        return new WebhookAnswer(StatusCodes.Status200OK, $"Subscription to {sns.TopicArn} confirmed.");
    }

    private async Task<WebhookAnswer> RecordAsync(EmailProvider provider, Func<IReadOnlyList<ProviderEvent>> read, CancellationToken ct)
    {
        IReadOnlyList<ProviderEvent> events;
        try
        {
            events = read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return Refused(provider, WebhookAnswer.Bad($"The {ProviderEvent.Name(provider)} event could not be read: {ex.Message}"));
        }

        var recorded = await recorder.RecordAsync(events, ct);
        var fresh = recorded.Count(r => r.IsNew);
        return new WebhookAnswer(StatusCodes.Status200OK,
            $"{fresh} recorded, {recorded.Count - fresh} recorded before, {recorded.Count(r => r.Suppressed)} suppressing; other events are not bounces or complaints.");
    }

    /// <summary>Why a signature time is too old (or too far ahead, beyond clock skew), or null when fresh.</summary>
    private string? Stale(DateTimeOffset? at, TimeSpan maxAge)
    {
        if (at is not { } time)
        {
            return "without a readable timestamp.";
        }

        var age = clock.GetUtcNow() - time;
        return age > maxAge ? $"too old ({age.TotalMinutes:0} minutes; at most {maxAge.TotalMinutes:0} accepted)."
            : age < -options.SignedRequestMaxAge ? "dated in the future." : null;
    }

    private WebhookAnswer Refused(EmailProvider provider, WebhookAnswer answer)
    {
        log.LogWarning("{Provider} webhook refused ({Status}): {Reason}", ProviderEvent.Name(provider), answer.Status, answer.Reason);
        return answer;
    }
}
