using System.Globalization;

namespace CampaignStudio.Analytics.Uplift;

/// <summary>Covariates turned into model features and into readable groups for the per-group effect and fairness views.</summary>
/// <param name="Features">One feature row per customer.</param>
/// <param name="FeatureNames">Feature names (numeric columns as is, categories as "column = value").</param>
/// <param name="Groups">Per covariate, one group label per customer: categories as they are, numbers in quartile bands.</param>
public sealed record EncodedCovariates(float[][] Features, IReadOnlyList<string> FeatureNames, IReadOnlyDictionary<string, string[]> Groups);

/// <summary>
/// Encodes text covariates (as an imported results file carries them) for tree models: a column whose every non-empty value
/// is a number stays numeric (empty → NaN, which trees route as missing); other columns are one-hot encoded over their most
/// frequent values, the rest pooled as "other".
/// </summary>
public static class CovariateEncoder
{
    /// <summary>Categories one-hot encoded per column at most; rarer values share one "other" column.</summary>
    public const int MaxCategories = 12;

    /// <summary>Numeric columns with at most this many distinct values are grouped by value instead of by quartile.</summary>
    public const int MaxDiscreteValues = 8;

    /// <summary>Encodes <paramref name="columns"/> (name → one text value per customer, all the same length).</summary>
    public static EncodedCovariates Encode(IReadOnlyList<(string Name, string[] Values)> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException("At least one covariate is needed.", nameof(columns));
        }

        var n = columns[0].Values.Length;
        if (columns.Any(c => c.Values.Length != n))
        {
            throw new ArgumentException("Every covariate needs one value per customer.", nameof(columns));
        }

        var names = new List<string>();
        var featureColumns = new List<float[]>();
        var groups = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, values) in columns)
        {
            var numbers = new float[n];
            var numeric = true;
            for (var i = 0; i < n && numeric; i++)
            {
                var text = values[i].Trim();
                if (text.Length == 0)
                {
                    numbers[i] = float.NaN;
                }
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
                {
                    numbers[i] = (float)v;
                }
                else
                {
                    numeric = false;
                }
            }

            if (numeric)
            {
                names.Add(name);
                featureColumns.Add(numbers);
                groups[name] = NumericGroups(name, numbers);
                continue;
            }

            var top = values.Select(v => v.Trim()).GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(MaxCategories).Select(g => g.Key).ToList();
            foreach (var category in top)
            {
                names.Add($"{name} = {category}");
                featureColumns.Add(values.Select(v => string.Equals(v.Trim(), category, StringComparison.Ordinal) ? 1f : 0f).ToArray());
            }

            var kept = top.ToHashSet(StringComparer.Ordinal);
            groups[name] = values.Select(v => v.Trim()).Select(v => v.Length == 0 ? "(empty)" : kept.Contains(v) ? v : "other").ToArray();
        }

        var features = new float[n][];
        for (var i = 0; i < n; i++)
        {
            var row = new float[featureColumns.Count];
            for (var j = 0; j < row.Length; j++)
            {
                row[j] = featureColumns[j][i];
            }

            features[i] = row;
        }

        return new EncodedCovariates(features, names, groups);
    }

    /// <summary>Few distinct values: grouped by value; otherwise by quartile with the band's range in the label.</summary>
    public static string[] NumericGroups(string name, IReadOnlyList<float> values)
    {
        var present = values.Where(v => !float.IsNaN(v)).ToArray();
        var distinct = present.Distinct().Order().ToArray();
        if (distinct.Length <= MaxDiscreteValues)
        {
            return values.Select(v => float.IsNaN(v) ? "(empty)" : $"{name} = {v.ToString("0.##", CultureInfo.InvariantCulture)}").ToArray();
        }

        Array.Sort(present);
        var cuts = new[] { 0.25, 0.5, 0.75 }.Select(q => present[(int)Math.Min(present.Length - 1, Math.Floor(q * present.Length))]).Distinct().ToArray();
        string Band(float v)
        {
            var band = cuts.Count(c => v > c);
            var low = band == 0 ? present[0] : cuts[band - 1];
            var high = band == cuts.Length ? present[^1] : cuts[band];
            return $"{name} Q{band + 1} ({low.ToString("0.##", CultureInfo.InvariantCulture)}–{high.ToString("0.##", CultureInfo.InvariantCulture)})";
        }

        return values.Select(v => float.IsNaN(v) ? "(empty)" : Band(v)).ToArray();
    }
}
