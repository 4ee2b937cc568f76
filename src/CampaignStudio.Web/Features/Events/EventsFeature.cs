using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CampaignStudio.Data.Import;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;

namespace CampaignStudio.Web.Features.Events;

public static class EventsFeature
{
    /// <summary>The rate-limit policy of <c>POST /api/events</c>.</summary>
    public const string RateLimitPolicy = "events";

    public static IServiceCollection AddEventsFeature(this IServiceCollection services, IConfiguration configuration)
    {
        // Read when first asked for, so settings added after the features are registered (tests, other hosts) count.
        services.AddSingleton(_ => configuration.GetSection(EventsOptions.Section).Get<EventsOptions>() ?? new EventsOptions());
        services.AddSingleton<TrackedEventWriter>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetTokenBucketLimiter(CallerOf(http), _ => Bucket(http.RequestServices.GetRequiredService<EventsOptions>())));
            limiter.OnRejected = async (context, ct) =>
            {
                var options = context.HttpContext.RequestServices.GetRequiredService<EventsOptions>();
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.RateLimitWindow;
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                        $"Too many requests for this API key: at most {options.RateLimitRequests} per {options.RateLimitWindow.TotalSeconds:0.###} s. Retry after {seconds} s; nothing of this request was stored.",
                        statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    private static TokenBucketRateLimiterOptions Bucket(EventsOptions options) => new()
    {
        TokenLimit = options.RateLimitRequests,
        TokensPerPeriod = options.RateLimitRequests,
        ReplenishmentPeriod = options.RateLimitWindow,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>The limit is per API key (by its hash, the raw key is not kept); a signed-in caller without a key, per user.</summary>
    private static string CallerOf(HttpContext http)
    {
        var key = http.Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString();
        return key.Length > 0
            ? "key:" + ApiKeyAuthenticationHandler.Hash(key)
            : "user:" + (http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? http.Connection.RemoteIpAddress?.ToString() ?? "");
    }
}
