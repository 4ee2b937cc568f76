using System.Diagnostics;

namespace CampaignStudio.TestSupport;

/// <summary>
/// The studio's clock in tests: it starts at a fixed instant and runs at the real pace, so results never depend on the day
/// the suite runs (the demo shop, lifetime fits and uplift models are built relative to "now"), while timers, delays and
/// background workers keep working. <see cref="MoveBy"/> jumps it (signed links expiring, scheduled sends coming due).
/// </summary>
public sealed class StudioClock(DateTimeOffset start) : TimeProvider
{
    /// <summary>A Monday morning in June: no daylight-saving change, month end or year end near it.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 6, 15, 9, 0, 0, TimeSpan.Zero);

    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private long _offsetTicks;

    public StudioClock() : this(DefaultStart)
    {
    }

    public override DateTimeOffset GetUtcNow() =>
        start + Stopwatch.GetElapsedTime(_startedAt) + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Sets how far the clock is ahead of its steady pace (replaces any earlier move).</summary>
    public void MoveBy(TimeSpan offset) => Interlocked.Exchange(ref _offsetTicks, offset.Ticks);

    /// <summary>Moves the clock further ahead by <paramref name="by"/> (on top of earlier moves; tests sharing a host keep going forward).</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public void Reset() => MoveBy(TimeSpan.Zero);
}
