namespace CampaignStudio.Analytics.Recommendations;

/// <summary>One purchase of an item (a product or a category name) by a customer.</summary>
public readonly record struct ItemPurchase(long CustomerId, string Item, DateTime At);

/// <summary>Hit rates of the model and of the popularity baseline at one list length.</summary>
/// <param name="ListLength">N in "hit rate at N".</param>
/// <param name="ModelHitRate">Share of test customers whose list of N contained something they went on to buy.</param>
/// <param name="PopularHitRate">The same for the "most popular" list.</param>
public sealed record HitRate(int ListLength, double ModelHitRate, double PopularHitRate)
{
    /// <summary>Model hit rate divided by the baseline's (1 = no better).</summary>
    public double Lift => PopularHitRate > 0 ? ModelHitRate / PopularHitRate : double.PositiveInfinity;
}

/// <summary>The outcome of a time-split evaluation.</summary>
/// <param name="Cutoff">Training uses purchases up to here; testing, what the same customers bought after.</param>
/// <param name="TestCustomers">Customers with purchases on both sides of the cutoff (and something new after it).</param>
/// <param name="Items">Distinct items in the training data.</param>
/// <param name="HitRates">One entry per list length asked for.</param>
public sealed record RecommenderEvaluationResult(DateTime Cutoff, int TestCustomers, int Items, IReadOnlyList<HitRate> HitRates);

/// <summary>
/// Time-split evaluation: train on the past, then ask whether each returning customer's list contained any item they
/// bought for the first time after the cutoff. Repeats of items they already had are not counted: neither list offers them.
/// </summary>
public static class RecommenderEvaluation
{
    public static RecommenderEvaluationResult TimeSplit(IEnumerable<ItemPurchase> purchases, DateTime cutoff, IReadOnlyList<int> listLengths, RecommenderOptions? options = null)
    {
        var catalog = new Dictionary<string, int>(StringComparer.Ordinal);
        var before = new Dictionary<long, List<(DateTime At, int Item)>>();
        var after = new Dictionary<long, HashSet<string>>();
        foreach (var p in purchases)
        {
            if (p.At <= cutoff)
            {
                if (!catalog.TryGetValue(p.Item, out var id))
                {
                    catalog[p.Item] = id = catalog.Count;
                }

                if (!before.TryGetValue(p.CustomerId, out var list))
                {
                    before[p.CustomerId] = list = [];
                }

                list.Add((p.At, id));
            }
            else
            {
                if (!after.TryGetValue(p.CustomerId, out var set))
                {
                    after[p.CustomerId] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(p.Item);
            }
        }

        var histories = before.ToDictionary(kv => kv.Key, kv => DistinctInOrder(kv.Value));
        var model = ItemToItemRecommender.Train([.. histories.Values], catalog.Count, options);
        var maxN = listLengths.Max();
        int tested = 0;
        var modelHits = new int[listLengths.Count];
        var popularHits = new int[listLengths.Count];
        foreach (var (customerId, owned) in histories.OrderBy(kv => kv.Key))
        {
            if (!after.TryGetValue(customerId, out var bought))
            {
                continue;
            }

            var ownedSet = owned.ToHashSet();
            var wanted = bought.Where(catalog.ContainsKey).Select(i => catalog[i]).Where(i => !ownedSet.Contains(i)).ToHashSet();
            if (wanted.Count == 0)
            {
                continue;
            }

            tested++;
            var recommended = model.Recommend(owned, maxN);
            var popular = model.MostPopular(owned, maxN);
            for (var k = 0; k < listLengths.Count; k++)
            {
                var n = listLengths[k];
                if (recommended.Take(n).Any(wanted.Contains))
                {
                    modelHits[k]++;
                }

                if (popular.Take(n).Any(wanted.Contains))
                {
                    popularHits[k]++;
                }
            }
        }

        var rates = listLengths.Select((n, k) => new HitRate(n, tested == 0 ? 0 : (double)modelHits[k] / tested, tested == 0 ? 0 : (double)popularHits[k] / tested)).ToList();
        return new RecommenderEvaluationResult(cutoff, tested, catalog.Count, rates);
    }

    /// <summary>Distinct items, ordered by when each was last bought (so "the most recent items" are at the end).</summary>
    public static int[] DistinctInOrder(List<(DateTime At, int Item)> purchases)
    {
        var last = new Dictionary<int, DateTime>();
        foreach (var (at, item) in purchases)
        {
            if (!last.TryGetValue(item, out var seen) || at > seen)
            {
                last[item] = at;
            }
        }

        return [.. last.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => kv.Key)];
    }
}
