namespace CampaignStudio.Analytics.Clustering;

/// <summary>Seeded row samples for the k suggester and the scatter.</summary>
internal static class Sampling
{
    /// <summary>
    /// Up to <paramref name="size"/> distinct row indices drawn uniformly with a seeded partial
    /// Fisher–Yates shuffle, returned in ascending order (cache-friendly, and stable for tests).
    /// </summary>
    public static int[] Rows(int rowCount, int size, int seed)
    {
        if (size >= rowCount)
        {
            return Enumerable.Range(0, rowCount).ToArray();
        }

        var random = new Random(seed);
        var pool = Enumerable.Range(0, rowCount).ToArray();
        for (var i = 0; i < size; i++)
        {
            var j = random.Next(i, rowCount);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        var sample = pool[..size];
        Array.Sort(sample);
        return sample;
    }
}
