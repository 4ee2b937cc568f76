using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>
/// RFM quintiles computed a second time, in memory, the way SQL's NTILE(5) does: buyers (not erased) ordered by the
/// value then the customer id, cut into 5 groups whose sizes differ by at most one, the larger groups first.
/// </summary>
internal sealed record RfmTestScores(int Recency, int Frequency, int Monetary)
{
    public static IReadOnlyDictionary<long, RfmTestScores> Compute(IEnumerable<Customer> customers)
    {
        var buyers = customers.Where(c => !c.IsErased && c.Purchases.Count > 0).ToList();
        var recency = Ntile(buyers, c => c.Purchases.Max(p => p.PurchasedAt).Ticks);
        var frequency = Ntile(buyers, c => c.Purchases.Count);
        var monetary = Ntile(buyers, c => c.Purchases.Sum(p => p.Amount));
        return buyers.ToDictionary(c => c.Id, c => new RfmTestScores(recency[c.Id], frequency[c.Id], monetary[c.Id]));
    }

    public static Dictionary<long, int> Ntile<T>(IReadOnlyCollection<Customer> rows, Func<Customer, T> value)
    {
        var ordered = rows.OrderBy(value).ThenBy(c => c.Id).ToList();
        var result = new Dictionary<long, int>();
        int size = ordered.Count / 5, larger = ordered.Count % 5, index = 0;
        for (var tile = 1; tile <= 5; tile++)
        {
            var count = size + (tile <= larger ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                result[ordered[index++].Id] = tile;
            }
        }

        return result;
    }
}
