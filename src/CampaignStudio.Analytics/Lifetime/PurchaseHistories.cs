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
        var end = holdoutEnd ?? calibrationEnd;
        var rows = purchases.Where(p => p.At <= end).ToArray();

        // Sorted by customer and time, one pass builds every history without a dictionary per customer.
        Array.Sort(rows, static (x, y) => x.CustomerId != y.CustomerId ? x.CustomerId.CompareTo(y.CustomerId) : x.At.CompareTo(y.At));
        var endDay = calibrationEnd.Date;
        var result = new List<CustomerHistory>();
        var i = 0;
        while (i < rows.Length)
        {
            var customerId = rows[i].CustomerId;
            var first = rows[i].At.Date;
            int repeats = 0, holdout = 0;
            double repeatSpend = 0;
            var last = first;
            var day = first;
            for (; i < rows.Length && rows[i].CustomerId == customerId; i++)
            {
                var d = rows[i].At.Date;
                if (d > day)
                {
                    day = d;
                    if (d > endDay)
                    {
                        holdout++;
                    }
                    else
                    {
                        repeats++;
                        last = d;
                    }
                }

                // Amounts of the same day add up to that day's purchase.
                if (d > first && d <= endDay)
                {
                    repeatSpend += rows[i].Amount;
                }
            }

            if (first > endDay)
            {
                continue;
            }

            var history = new RepeatHistory(repeats, (last - first).TotalDays, (endDay - first).TotalDays, repeats > 0 ? repeatSpend / repeats : 0);
            result.Add(new CustomerHistory(customerId, history, holdout));
        }

        return result;
    }
}
