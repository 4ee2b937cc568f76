namespace CampaignStudio.Web.Features.Events;

/// <summary>Settings under <c>Events</c>: which client times are believed, and how fast one API key may post.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>How far ahead of the studio's clock a client's <c>occurredAt</c> may be (its clock may run fast).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old an event may be; older history is imported from a CSV file.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Requests per <see cref="RateLimitWindow"/> and API key (a token bucket: this many at once, refilled each window).</summary>
    public int RateLimitRequests { get; set; } = 100;

    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromSeconds(1);
}
