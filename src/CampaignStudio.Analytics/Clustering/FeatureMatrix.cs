namespace CampaignStudio.Analytics.Clustering;

/// <summary>
/// Customers × features as one row-major block of floats, with the feature keys and a customer id per row.
/// One contiguous array keeps 1M × 8 at 32 MB and lets the hot loops run over spans.
/// </summary>
public sealed class FeatureMatrix
{
    private readonly float[] _values;
    private readonly long[] _customerIds;
    private readonly string[] _featureKeys;

    /// <summary>Wraps a row-major block (not copied).</summary>
    /// <param name="featureKeys">Feature key per column (distinct).</param>
    /// <param name="values">Row-major values, rows × columns; NaN marks a missing value.</param>
    /// <param name="customerIds">Customer id per row; null numbers the rows 0, 1, 2, …</param>
    public FeatureMatrix(IReadOnlyList<string> featureKeys, float[] values, long[]? customerIds = null)
    {
        ArgumentNullException.ThrowIfNull(featureKeys);
        ArgumentNullException.ThrowIfNull(values);
        if (featureKeys.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed.", nameof(featureKeys));
        }

        if (featureKeys.Distinct(StringComparer.Ordinal).Count() != featureKeys.Count)
        {
            throw new ArgumentException("Feature keys must be distinct.", nameof(featureKeys));
        }

        if (values.Length % featureKeys.Count != 0)
        {
            throw new ArgumentException("The value count is not a whole number of rows.", nameof(values));
        }

        var rows = values.Length / featureKeys.Count;
        if (customerIds is not null && customerIds.Length != rows)
        {
            throw new ArgumentException("One customer id per row is needed.", nameof(customerIds));
        }

        _featureKeys = featureKeys.ToArray();
        _values = values;
        _customerIds = customerIds ?? Enumerable.Range(0, rows).Select(i => (long)i).ToArray();
    }

    /// <summary>Copies jagged rows into a matrix.</summary>
    public static FeatureMatrix FromRows(IReadOnlyList<string> featureKeys, float[][] rows, long[]? customerIds = null)
    {
        ArgumentNullException.ThrowIfNull(featureKeys);
        ArgumentNullException.ThrowIfNull(rows);
        var cols = featureKeys.Count;
        var values = new float[rows.Length * cols];
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != cols)
            {
                throw new ArgumentException($"Row {i} needs one value per feature.", nameof(rows));
            }

            rows[i].CopyTo(values, i * cols);
        }

        return new FeatureMatrix(featureKeys, values, customerIds);
    }

    /// <summary>Feature key per column.</summary>
    public IReadOnlyList<string> FeatureKeys => _featureKeys;

    /// <summary>Customer id per row.</summary>
    public IReadOnlyList<long> CustomerIds => _customerIds;

    /// <summary>Number of customers.</summary>
    public int RowCount => _customerIds.Length;

    /// <summary>Number of features.</summary>
    public int ColumnCount => _featureKeys.Length;

    /// <summary>All values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>One customer's features.</summary>
    public ReadOnlySpan<float> Row(int row) => _values.AsSpan(row * ColumnCount, ColumnCount);

    /// <summary>One value.</summary>
    public float this[int row, int column] => _values[(row * ColumnCount) + column];

    /// <summary>Column index of a key, or −1.</summary>
    public int IndexOf(string key) => Array.IndexOf(_featureKeys, key);

    /// <summary>The given rows, in the given order.</summary>
    public FeatureMatrix SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cols = ColumnCount;
        var values = new float[rows.Count * cols];
        var ids = new long[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(values.AsSpan(i * cols, cols));
            ids[i] = _customerIds[rows[i]];
        }

        return new FeatureMatrix(_featureKeys, values, ids);
    }

    /// <summary>The given features, in the given order (e.g. to match a saved model's column order).</summary>
    public FeatureMatrix SelectColumns(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var indices = keys.Select(k => IndexOf(k) is var j and >= 0
            ? j
            : throw new ArgumentException($"The matrix has no feature '{k}'.", nameof(keys))).ToArray();
        if (indices.SequenceEqual(Enumerable.Range(0, ColumnCount)))
        {
            return this;
        }

        var values = new float[RowCount * indices.Length];
        for (var i = 0; i < RowCount; i++)
        {
            var row = Row(i);
            for (var j = 0; j < indices.Length; j++)
            {
                values[(i * indices.Length) + j] = row[indices[j]];
            }
        }

        return new FeatureMatrix(keys, values, _customerIds);
    }

    /// <summary>The backing array, for ML.NET and the hot loops in this assembly.</summary>
    internal float[] RawValues => _values;
}
