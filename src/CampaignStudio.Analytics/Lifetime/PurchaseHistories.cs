namespace CampaignStudio.Analytics.Lifetime;

/// <summary>One purchase as the lifetime models read it.</summary>
public readonly record struct PurchasePoint(long CustomerId, DateTime At, double Amount);

/// <summary>A customer's history up to the end of calibration, and what they did in the holdout period after it.</summary>
public readonly record struct CustomerHistory(long CustomerId, RepeatHistory History, int HoldoutPurchases);

/// <summary>Turns a purchase log into <see cref="RepeatHistory"/> rows, in days.</summary>
public static class PurchaseHistories
{
    /// <summary>
    /// Builds each customer's (x, t_x, T, m_x) in days as of <paramref name="calibrationEnd"/>, counting purchases on
    /// the same calendar day as one (amounts summed: one basket split into lines is not a repeat purchase), and counts the
    /// purchase days after it up to <paramref name="holdoutEnd"/>. Customers whose first purchase is after the calibration
    /// end are left out (nothing is known about them yet).
    /// </summary>
    /// <param name="purchases">Purchases in any order.</param>
    /// <param name="calibrationEnd">The last moment of the calibration period.</param>
    /// <param name="holdoutEnd">The last moment of the holdout period; null when there is none.</param>
    public static List<CustomerHistory> Build(IEnumerable<PurchasePoint> purchases, DateTime calibrationEnd, DateTime? holdoutEnd = null)
    {
        var endDay = calibrationEnd.Date;
        var days = new Dictionary<long, SortedDictionary<DateTime, double>>();
        foreach (var p in purchases)
        {
            if (holdoutEnd is { } h ? p.At > h : p.At > calibrationEnd)
            {
                continue;
            }

            if (!days.TryGetValue(p.CustomerId, out var byDay))
            {
                days[p.CustomerId] = byDay = [];
            }

            byDay[p.At.Date] = byDay.GetValueOrDefault(p.At.Date) + p.Amount;
        }

        var result = new List<CustomerHistory>(days.Count);
        foreach (var (customerId, byDay) in days.OrderBy(kv => kv.Key))
        {
            var first = byDay.Keys.First();
            if (first > endDay)
            {
                continue;
            }

            int repeats = 0, holdout = 0;
            double repeatSpend = 0;
            var last = first;
            foreach (var (day, amount) in byDay)
            {
                if (day > endDay)
                {
                    holdout++;
                }
                else if (day > first)
                {
                    repeats++;
                    repeatSpend += amount;
                    last = day;
                }
            }

            var history = new RepeatHistory(
                repeats,
                (last - first).TotalDays,
                (endDay - first).TotalDays,
                repeats > 0 ? repeatSpend / repeats : 0);
            result.Add(new CustomerHistory(customerId, history, holdout));
        }

        return result;
    }
}
