namespace CampaignStudio.Analytics.Recommendations;

/// <summary>How the item-to-item model is built.</summary>
public sealed record RecommenderOptions
{
    /// <summary>Similar items kept per item; more costs memory and time, rarely changes the top few.</summary>
    public int NeighboursPerItem { get; init; } = 50;

    /// <summary>Only a customer's most recent distinct items count (keeps pair counting linear for heavy buyers).</summary>
    public int MaxItemsPerCustomer { get; init; } = 50;

    /// <summary>Items seen with fewer buyers are not similar to anything (one shared buyer is chance, not taste).</summary>
    public int MinCoBuyers { get; init; } = 2;
}

/// <summary>
/// Item-to-item collaborative filtering on co-purchases (Linden, Smith &amp; York 2003): two items are similar when the
/// same customers bought both, by cosine similarity of their buyer sets, co(i, j) / √(n_i · n_j). A customer's
/// candidates are scored by the summed similarity to what they bought; customers without history, and any empty places
/// in a list, get the most popular items (the cold-start fallback). Items are dense integer ids 0..itemCount−1.
/// </summary>
public sealed class ItemToItemRecommender
{
    private readonly int[][] _neighbours;
    private readonly float[][] _similarities;
    private readonly int[] _popular;
    private readonly ThreadLocal<Scratch> _scratch = new(() => new Scratch(0));

    private ItemToItemRecommender(int[][] neighbours, float[][] similarities, int[] popular, int[] buyers)
    {
        _neighbours = neighbours;
        _similarities = similarities;
        _popular = popular;
        Buyers = buyers;
    }

    /// <summary>How many distinct customers bought each item.</summary>
    public IReadOnlyList<int> Buyers { get; }

    /// <summary>Items from most to least bought (by distinct buyers; ties by id).</summary>
    public IReadOnlyList<int> ByPopularity => _popular;

    /// <summary>
    /// Builds the model from each customer's distinct items, oldest first (only the last <see cref="RecommenderOptions.MaxItemsPerCustomer"/> count).
    /// </summary>
    public static ItemToItemRecommender Train(IReadOnlyList<int[]> customerItems, int itemCount, RecommenderOptions? options = null)
    {
        options ??= new RecommenderOptions();
        var buyers = new int[itemCount];
        var pairs = new Dictionary<int, int>[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            pairs[i] = [];
        }

        foreach (var items in customerItems)
        {
            var start = Math.Max(0, items.Length - options.MaxItemsPerCustomer);
            for (var a = start; a < items.Length; a++)
            {
                var i = items[a];
                buyers[i]++;
                for (var b = a + 1; b < items.Length; b++)
                {
                    var j = items[b];
                    var (lo, hi) = i < j ? (i, j) : (j, i);
                    ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(pairs[lo], hi, out _);
                    count++;
                }
            }
        }

        // Each pair was counted once under its lower id: spread it to both items' neighbour lists.
        var candidates = new List<(int Item, float Similarity)>[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            candidates[i] = [];
        }

        for (var i = 0; i < itemCount; i++)
        {
            foreach (var (j, co) in pairs[i])
            {
                if (co < options.MinCoBuyers)
                {
                    continue;
                }

                var similarity = (float)(co / Math.Sqrt((double)buyers[i] * buyers[j]));
                candidates[i].Add((j, similarity));
                candidates[j].Add((i, similarity));
            }

            pairs[i] = null!;
        }

        var neighbours = new int[itemCount][];
        var similarities = new float[itemCount][];
        Parallel.For(0, itemCount, i =>
        {
            var top = candidates[i].OrderByDescending(c => c.Similarity).ThenBy(c => c.Item).Take(options.NeighboursPerItem).ToArray();
            neighbours[i] = [.. top.Select(t => t.Item)];
            similarities[i] = [.. top.Select(t => t.Similarity)];
        });

        var popular = Enumerable.Range(0, itemCount).OrderByDescending(i => buyers[i]).ThenBy(i => i).ToArray();
        return new ItemToItemRecommender(neighbours, similarities, popular, buyers);
    }

    /// <summary>
    /// Up to <paramref name="count"/> items for a customer who bought <paramref name="owned"/>: the items most similar to
    /// their purchases, then the most popular ones; never an item they already own, nor one marked in
    /// <paramref name="excluded"/> (indexed by item id, e.g. out of stock): the list fills up from the next candidates. Thread-safe.
    /// </summary>
    public int[] Recommend(IReadOnlyList<int> owned, int count, IReadOnlyList<bool>? excluded = null)
    {
        // Scores accumulate in a per-thread array the size of the catalogue; only touched entries are read and reset.
        var scratch = _scratch.Value!;
        if (scratch.Scores.Length < _neighbours.Length)
        {
            scratch = _scratch.Value = new Scratch(_neighbours.Length);
        }

        var scores = scratch.Scores;
        var touched = scratch.Touched;
        touched.Clear();
        foreach (var i in owned)
        {
            scores[i] = float.NegativeInfinity;
        }

        foreach (var i in owned)
        {
            var n = _neighbours[i];
            var s = _similarities[i];
            for (var k = 0; k < n.Length; k++)
            {
                var j = n[k];
                if (float.IsNegativeInfinity(scores[j]))
                {
                    continue;
                }

                if (scores[j] == 0)
                {
                    touched.Add(j);
                }

                scores[j] += s[k];
            }
        }

        // Top `count` by score, then popularity, then id: a small insertion sort over the touched candidates.
        var result = new List<int>(count);
        foreach (var j in touched)
        {
            if (excluded is not null && excluded[j])
            {
                continue;
            }

            var at = result.Count;
            while (at > 0 && Better(j, result[at - 1], scores))
            {
                at--;
            }

            if (at < count)
            {
                result.Insert(at, j);
                if (result.Count > count)
                {
                    result.RemoveAt(count);
                }
            }
        }

        foreach (var j in touched)
        {
            scores[j] = 0;
        }

        foreach (var i in owned)
        {
            scores[i] = 0;
        }

        FillWithPopular(result, owned, count, excluded);
        return [.. result];
    }

    private bool Better(int x, int y, float[] scores) =>
        scores[x] != scores[y] ? scores[x] > scores[y] : Buyers[x] != Buyers[y] ? Buyers[x] > Buyers[y] : x < y;

    /// <summary>The baseline: the most popular items the customer does not own yet.</summary>
    public int[] MostPopular(IReadOnlyList<int> owned, int count)
    {
        var result = new List<int>(count);
        FillWithPopular(result, owned, count);
        return [.. result];
    }

    private void FillWithPopular(List<int> result, IReadOnlyList<int> owned, int count, IReadOnlyList<bool>? excluded = null)
    {
        for (var k = 0; k < _popular.Length && result.Count < count; k++)
        {
            var item = _popular[k];
            if (!owned.Contains(item) && !result.Contains(item) && (excluded is null || !excluded[item]))
            {
                result.Add(item);
            }
        }
    }

    private sealed class Scratch(int size)
    {
        public float[] Scores { get; } = new float[size];

        public List<int> Touched { get; } = [];
    }
}
