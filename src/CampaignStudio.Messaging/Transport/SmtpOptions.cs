namespace CampaignStudio.Messaging.Transport;

public enum SmtpSecurity
{
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>How to reach the SMTP relay (configuration section <c>Mail:Smtp</c>).</summary>
public sealed record SmtpOptions
{
    public string Host { get; init; } = "localhost";

    public int Port { get; init; } = 587;

    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;

    /// <summary>Authenticate only when a user is set.</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>Parallel connections kept open to the relay.</summary>
    public int Connections { get; init; } = 4;

    public int TimeoutSeconds { get; init; } = 60;

    /// <summary>Name sent in EHLO; the machine name when empty.</summary>
    public string? LocalDomain { get; init; }

    /// <summary>For a development relay with a self-signed certificate only.</summary>
    public bool AcceptInvalidCertificates { get; init; }
}

/// <summary>Retry and pacing of sends (configuration section <c>Mail:Send</c>).</summary>
public sealed record SendOptions
{
    /// <summary>Total attempts for a transient failure, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Limits the provider imposes; null means unlimited.</summary>
    public int? MaxPerSecond { get; init; }

    public int? MaxPerMinute { get; init; }

    public int? MaxPerHour { get; init; }
}
