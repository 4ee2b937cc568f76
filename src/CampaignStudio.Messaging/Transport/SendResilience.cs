using System.Threading.RateLimiting;
using MimeKit;
using Polly;
using Polly.Retry;

namespace CampaignStudio.Messaging.Transport;

/// <summary>Polly pipelines for sending: exponential retry of transient failures, optionally paced by a rate limiter.</summary>
public static class SendResilience
{
    /// <summary>
    /// Retries <see cref="SendStatus.TransientFailure"/> results with exponential backoff and jitter; the limiter (if any)
    /// sits inside the retry so every attempt, not just every message, takes a permit.
    /// </summary>
    public static ResiliencePipeline<SendResult> CreatePipeline(SendOptions options, RateLimiter? limiter = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder<SendResult>();
        if (timeProvider is not null)
        {
            builder.TimeProvider = timeProvider;
        }

        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<SendResult>
            {
                ShouldHandle = new PredicateBuilder<SendResult>().HandleResult(r => r.Status == SendStatus.TransientFailure),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
            });
        }

        if (limiter is not null)
        {
            builder.AddRateLimiter(limiter);
        }

        return builder.Build();
    }
}

/// <summary>A transport that sends through a resilience pipeline (retry, pacing) around another transport.</summary>
public sealed class ResilientMailTransport(IMailTransport inner, ResiliencePipeline<SendResult> pipeline) : IMailTransport
{
    public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) =>
        await pipeline.ExecuteAsync(
            static async (state, ct) => await state.inner.SendAsync(state.message, ct),
            (inner, message),
            cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default) =>
        await pipeline.ExecuteAsync(
            static async (state, ct) => await state.inner.SendAsync(state.message, state.returnPath, ct),
            (inner, message, returnPath),
            cancellationToken);
}
