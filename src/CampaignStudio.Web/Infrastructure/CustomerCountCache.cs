namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// The number of customers, remembered for a few seconds: the grid asks on every page and sort, and counting a
/// million rows takes longer than fetching the page. Imports and API writes drop it at once.
/// </summary>
public sealed class CustomerCountCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private (int Count, DateTimeOffset At)? _cached;

    public async Task<int> GetAsync(Func<CancellationToken, Task<int>> count, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_cached is { } c && clock.GetUtcNow() - c.At < Lifetime)
            {
                return c.Count;
            }
        }

        var fresh = await count(ct);
        lock (_gate)
        {
            _cached = (fresh, clock.GetUtcNow());
        }

        return fresh;
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _cached = null;
        }
    }
}
