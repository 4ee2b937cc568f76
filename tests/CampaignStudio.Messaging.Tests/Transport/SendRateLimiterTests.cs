using CampaignStudio.Messaging.Transport;

namespace CampaignStudio.Messaging.Tests.Transport;

public class SendRateLimiterTests
{
    [Fact]
    public void NoLimitsMeansNoLimiter() => SendRateLimiter.Create(new SendOptions()).ShouldBeNull();

    [Fact]
    public async Task PerSecondBucketRefusesTheNextPermitThenRefills()
    {
        await using var limiter = SendRateLimiter.Create(new SendOptions { MaxPerSecond = 10 })!;

        for (var i = 0; i < 10; i++)
        {
            using var lease = limiter.Limiter.AttemptAcquire();
            lease.IsAcquired.ShouldBeTrue();
        }

        using (var refused = limiter.Limiter.AttemptAcquire())
        {
            refused.IsAcquired.ShouldBeFalse();
        }

        // The bucket refills within a second; waiting ends on the refill, not on a sleep.
        await limiter.WaitAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task TheTightestChainedLimitWins()
    {
        await using var limiter = SendRateLimiter.Create(new SendOptions { MaxPerSecond = 100, MaxPerMinute = 3, MaxPerHour = 1000 })!;

        for (var i = 0; i < 3; i++)
        {
            await limiter.WaitAsync();
        }

        using var refused = limiter.Limiter.AttemptAcquire();
        refused.IsAcquired.ShouldBeFalse();
    }

    [Fact]
    public async Task WaitingIsCancellable()
    {
        await using var limiter = SendRateLimiter.Create(new SendOptions { MaxPerHour = 1 })!;
        await limiter.WaitAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Should.ThrowAsync<OperationCanceledException>(async () => await limiter.WaitAsync(cancel.Token));
    }

    [Fact]
    public async Task PipelineTakesAPermitPerAttempt()
    {
        await using var limiter = SendRateLimiter.Create(new SendOptions { MaxPerHour = 2 })!;
        var pipeline = SendResilience.CreatePipeline(new SendOptions { MaxAttempts = 1 }, limiter.Limiter);

        (await pipeline.ExecuteAsync(_ => ValueTask.FromResult(SendResult.Sent()))).IsSent.ShouldBeTrue();
        (await pipeline.ExecuteAsync(_ => ValueTask.FromResult(SendResult.Sent()))).IsSent.ShouldBeTrue();

        using var refused = limiter.Limiter.AttemptAcquire();
        refused.IsAcquired.ShouldBeFalse();
    }
}
