using CampaignStudio.Analytics.Clustering;

namespace CampaignStudio.Analytics.Tests.Clustering;

/// <summary>Seeded Gaussian blobs with known labels, like scikit-learn's make_blobs.</summary>
internal sealed class BlobsTestBuilder
{
    private int _clusters = 5;
    private int _perCluster = 400;
    private int _dimensions = 6;
    private double _spread = 1.0;
    private double _centreBox = 10.0;
    private int _seed = 42;

    public BlobsTestBuilder WithClusters(int clusters)
    {
        _clusters = clusters;
        return this;
    }

    public BlobsTestBuilder WithPointsPerCluster(int points)
    {
        _perCluster = points;
        return this;
    }

    public BlobsTestBuilder WithDimensions(int dimensions)
    {
        _dimensions = dimensions;
        return this;
    }

    public BlobsTestBuilder WithSpread(double standardDeviation)
    {
        _spread = standardDeviation;
        return this;
    }

    public BlobsTestBuilder WithSeed(int seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>Points (shuffled, so labels are not in blocks) and the blob each came from.</summary>
    public (FeatureMatrix Data, int[] Labels) Build()
    {
        var random = new Random(_seed);
        var centres = new double[_clusters][];
        for (var c = 0; c < _clusters; c++)
        {
            centres[c] = Enumerable.Range(0, _dimensions).Select(_ => (random.NextDouble() * 2 - 1) * _centreBox).ToArray();
        }

        var n = _clusters * _perCluster;
        var labels = Enumerable.Range(0, n).Select(i => i / _perCluster).ToArray();
        random.Shuffle(labels);
        var values = new float[n * _dimensions];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < _dimensions; j++)
            {
                values[(i * _dimensions) + j] = (float)(centres[labels[i]][j] + (_spread * Gaussian(random)));
            }
        }

        var keys = Enumerable.Range(0, _dimensions).Select(j => $"x{j}").ToArray();
        return (new FeatureMatrix(keys, values), labels);
    }

    /// <summary>Box–Muller.</summary>
    internal static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
