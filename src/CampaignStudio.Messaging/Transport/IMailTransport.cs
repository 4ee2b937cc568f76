using MimeKit;

namespace CampaignStudio.Messaging.Transport;

/// <summary>Hands a finished message to the outside world. Failures come back as results, not exceptions.</summary>
public interface IMailTransport
{
    /// <summary>Sends one message; throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends one message with <paramref name="returnPath"/> as the envelope sender (SMTP MAIL FROM), where bounces go; the
    /// From header stays as it is. Transports without an envelope ignore it. No default body on purpose: a wrapper that
    /// forgot to pass the return path on would silently send every bounce to the From address.
    /// </summary>
    Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default);
}

public enum SendStatus
{
    Sent,

    /// <summary>Worth retrying later: a 4xx reply, or the connection failed.</summary>
    TransientFailure,

    /// <summary>Never retry: a 5xx reply such as an unknown mailbox.</summary>
    PermanentFailure,
}

/// <summary>The outcome of one send, with the server's status code and text when there was one.</summary>
public sealed record SendResult(SendStatus Status, int? Code = null, string? Detail = null, string? Recipient = null)
{
    public bool IsSent => Status == SendStatus.Sent;

    public static SendResult Sent(string? detail = null) => new(SendStatus.Sent, 250, detail);

    public static SendResult Transient(int? code, string detail, string? recipient = null) => new(SendStatus.TransientFailure, code, detail, recipient);

    public static SendResult Permanent(int? code, string detail, string? recipient = null) => new(SendStatus.PermanentFailure, code, detail, recipient);

    public override string ToString() => Code is { } code ? $"{Status} {code} {Detail}" : $"{Status} {Detail}";
}
