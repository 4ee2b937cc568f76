using MathNet.Numerics.LinearAlgebra;

namespace CampaignStudio.Analytics.Clustering;

/// <summary>One customer on the cluster scatter.</summary>
/// <param name="CustomerId">Customer id.</param>
/// <param name="X">First principal component.</param>
/// <param name="Y">Second principal component.</param>
/// <param name="Cluster">Cluster index.</param>
public sealed record ScatterPoint(long CustomerId, double X, double Y, int Cluster);

/// <summary>A 2-D picture of the clusters.</summary>
/// <param name="Points">Sampled customers.</param>
/// <param name="FeatureKeys">Features, in the order of the loadings.</param>
/// <param name="LoadingsX">Weight of each standardized feature in the X axis.</param>
/// <param name="LoadingsY">Weight of each standardized feature in the Y axis.</param>
/// <param name="ExplainedVarianceX">Fraction of the total variance along X.</param>
/// <param name="ExplainedVarianceY">Fraction of the total variance along Y.</param>
public sealed record ScatterProjection(
    IReadOnlyList<ScatterPoint> Points,
    IReadOnlyList<string> FeatureKeys,
    IReadOnlyList<double> LoadingsX,
    IReadOnlyList<double> LoadingsY,
    double ExplainedVarianceX,
    double ExplainedVarianceY);

/// <summary>Projections of standardized customers for charts.</summary>
public static class Projection
{
    /// <summary>
    /// Principal component analysis to two dimensions on a seeded sample: eigenvectors of the sample
    /// covariance (a d × d matrix, so cheap for any customer count). Each axis' sign is fixed so its
    /// largest loading is positive, which keeps the picture from flipping between runs.
    /// </summary>
    /// <param name="standardized">Standardized features (<see cref="Preprocessor.Transform"/>).</param>
    /// <param name="clusters">Cluster index per row of <paramref name="standardized"/>.</param>
    /// <param name="sampleSize">Points to plot; a browser scatter stays responsive up to a few thousand.</param>
    /// <param name="seed">Seed of the sample.</param>
    public static ScatterProjection Pca2D(FeatureMatrix standardized, IReadOnlyList<int> clusters, int sampleSize = 2_000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(standardized);
        ArgumentNullException.ThrowIfNull(clusters);
        if (clusters.Count != standardized.RowCount)
        {
            throw new ArgumentException("One cluster index per row is needed.", nameof(clusters));
        }

        var rows = Sampling.Rows(standardized.RowCount, Math.Max(0, sampleSize), seed);
        var d = standardized.ColumnCount;
        if (rows.Length < 2)
        {
            var points = rows.Select(r => new ScatterPoint(standardized.CustomerIds[r], 0, 0, clusters[r])).ToArray();
            return new ScatterProjection(points, standardized.FeatureKeys, new double[d], new double[d], 0, 0);
        }

        var x = Matrix<double>.Build.Dense(rows.Length, d, (i, j) => standardized[rows[i], j]);
        var means = x.ColumnSums() / rows.Length;
        var centred = x - Matrix<double>.Build.Dense(rows.Length, d, (_, j) => means[j]);
        var covariance = centred.TransposeThisAndMultiply(centred) / (rows.Length - 1);

        // Symmetric EVD returns eigenvalues in ascending order.
        var evd = covariance.Evd(Symmetricity.Symmetric);
        var eigenvalues = evd.EigenValues.Select(v => v.Real).ToArray();
        var total = eigenvalues.Sum(v => Math.Max(0, v));
        var first = Axis(evd.EigenVectors.Column(d - 1));
        var second = d > 1 ? Axis(evd.EigenVectors.Column(d - 2)) : Vector<double>.Build.Dense(d);
        var xs = centred * first;
        var ys = centred * second;

        var scatter = rows.Select((r, i) => new ScatterPoint(standardized.CustomerIds[r], xs[i], ys[i], clusters[r])).ToArray();
        return new ScatterProjection(
            scatter,
            standardized.FeatureKeys,
            first.ToArray(),
            second.ToArray(),
            total > 0 ? Math.Max(0, eigenvalues[d - 1]) / total : 0,
            total > 0 && d > 1 ? Math.Max(0, eigenvalues[d - 2]) / total : 0);
    }

    private static Vector<double> Axis(Vector<double> v)
    {
        var largest = v.AbsoluteMaximumIndex();
        return v[largest] < 0 ? -v : v;
    }
}
