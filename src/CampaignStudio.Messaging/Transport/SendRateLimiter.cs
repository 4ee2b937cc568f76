using System.Threading.RateLimiting;

namespace CampaignStudio.Messaging.Transport;

/// <summary>
/// The provider's sending limits as one chained limiter: a token bucket per second (smooth pacing) and
/// sliding windows per minute and hour (hard caps, which a bucket's burst-plus-refill would overshoot).
/// </summary>
public sealed class SendRateLimiter : IAsyncDisposable
{
    private readonly RateLimiter[] _parts;

    private SendRateLimiter(RateLimiter limiter, RateLimiter[] parts)
    {
        Limiter = limiter;
        _parts = parts;
    }

    /// <summary>The chained limiter, e.g. for Polly's rate limiter strategy.</summary>
    public RateLimiter Limiter { get; }

    /// <summary>
    /// Null when no limit is configured. <paramref name="perSecond"/> replaces the in-process per-second bucket, e.g. with one
    /// shared by every studio instance (the limiter is then owned and disposed here).
    /// </summary>
    public static SendRateLimiter? Create(SendOptions options, RateLimiter? perSecond = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parts = new List<RateLimiter>();
        if (perSecond is not null)
        {
            parts.Add(perSecond);
        }
        else if (options.MaxPerSecond is > 0 and var limit)
        {
            var perSecondLimit = limit;
            parts.Add(new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecondLimit,
                TokensPerPeriod = perSecondLimit,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            }));
        }

        AddWindow(parts, options.MaxPerMinute, TimeSpan.FromMinutes(1));
        AddWindow(parts, options.MaxPerHour, TimeSpan.FromHours(1));
        if (parts.Count == 0)
        {
            return null;
        }

        var array = parts.ToArray();
        return new SendRateLimiter(array.Length == 1 ? array[0] : RateLimiter.CreateChained(array), array);
    }

    /// <summary>Waits until one more message may go out.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        using var lease = await Limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The send rate limiter refused a permit.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_parts.Length > 1)
        {
            await Limiter.DisposeAsync();
        }

        foreach (var part in _parts)
        {
            await part.DisposeAsync();
        }
    }

    private static void AddWindow(List<RateLimiter> parts, int? limit, TimeSpan window)
    {
        if (limit is not > 0)
        {
            return;
        }

        parts.Add(new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit.Value,
            Window = window,
            SegmentsPerWindow = 6,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));
    }
}
