using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Data.Experiments;

/// <summary>Which columns of a results file mean what. Columns not named here and not listed as covariates are ignored.</summary>
/// <param name="ArmColumn">Column naming each row's arm (Hillstrom: <c>segment</c>).</param>
/// <param name="ControlArm">Value of the arm column that marks the control (Hillstrom: <c>No E-Mail</c>).</param>
/// <param name="ConversionColumn">0/1 (or true/false, yes/no) conversion.</param>
/// <param name="RevenueColumn">Revenue per customer (a number; empty means 0).</param>
/// <param name="VisitColumn">0/1 visit.</param>
/// <param name="ClickColumn">0/1 click.</param>
/// <param name="PrePeriodColumn">Numeric pre-period value of the metric, for CUPED.</param>
/// <param name="CovariateColumns">Columns kept per row to train uplift models on.</param>
/// <param name="Arms">The arms the file must contain (each needs rows); null accepts whatever arms occur.</param>
/// <param name="PlannedSplit">
/// The split the experiment was planned with, arm → share (any positive scale), for the sample-ratio check; null is an
/// equal split. Every arm of the file needs a share, and every share an arm.
/// </param>
/// <param name="IdColumn">
/// Column whose value identifies each row (a customer id of the shop): kept per row and returned in every per-row export;
/// each value must be given and unique. Null keeps no id.
/// </param>
public sealed record ResultsMapping(
    string ArmColumn,
    string ControlArm,
    string? ConversionColumn,
    string? RevenueColumn,
    string? VisitColumn,
    string? ClickColumn,
    string? PrePeriodColumn,
    IReadOnlyList<string> CovariateColumns,
    IReadOnlyList<string>? Arms = null,
    IReadOnlyDictionary<string, double>? PlannedSplit = null,
    string? IdColumn = null)
{
    /// <summary>
    /// Reads a planned split written as <c>arm=share</c> pairs separated by commas ("No E-Mail=50, Mens E-Mail=25"); empty is
    /// an equal split (null). Throws <see cref="ResultsFileException"/> with a sentence per problem.
    /// </summary>
    public static IReadOnlyDictionary<string, double>? ParsePlannedSplit(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var split = new Dictionary<string, double>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = pair.LastIndexOf('=');
            if (at <= 0)
            {
                problems.Add($"The planned split could not be read at '{pair}': write it as arm=share pairs separated by commas, e.g. 'Control=50, Mail=50'.");
                continue;
            }

            var arm = pair[..at].Trim();
            var share = pair[(at + 1)..].Trim();
            if (!split.TryAdd(arm, double.TryParse(share, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN))
            {
                problems.Add($"The planned split names the arm '{arm}' twice.");
            }
        }

        problems.AddRange(split.Where(s => !IsShare(s.Value)).Select(s => ShareProblem(s.Key, text)));
        return problems.Count > 0 ? throw new ResultsFileException(problems) : split;
    }

    /// <summary>A share of a planned split: a positive, finite number.</summary>
    internal static bool IsShare(double value) => value > 0 && double.IsFinite(value);

    internal static string ShareProblem(string arm, string? text = null)
    {
        var given = text?.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.LastIndexOf('=') > 0 && p[..p.LastIndexOf('=')].Trim() == arm);
        var value = given is null ? null : given[(given.LastIndexOf('=') + 1)..].Trim();
        return $"The planned split's share for the arm '{arm}' must be a positive number{(value is null ? "" : $" ('{value}' is not)")}.";
    }

    /// <summary>The outcome columns that are mapped, with what they measure.</summary>
    public IEnumerable<(string Column, string Outcome)> Outcomes()
    {
        if (ConversionColumn is { } c)
        {
            yield return (c, "conversion");
        }

        if (RevenueColumn is { } r)
        {
            yield return (r, "revenue");
        }

        if (VisitColumn is { } v)
        {
            yield return (v, "visit");
        }

        if (ClickColumn is { } k)
        {
            yield return (k, "click");
        }
    }
}

/// <summary>The header, a few rows and the arms of a results file, with a suggested mapping.</summary>
public sealed record ResultsPreview(IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, IReadOnlyDictionary<string, int> ArmCounts, ResultsMapping Suggested, long DataRows);

/// <summary>A results file that cannot be imported; every problem names its column and, where it has one, its line.</summary>
public sealed class ResultsFileException(IReadOnlyList<string> problems)
    : Exception(string.Join(" ", problems.Take(5)) + (problems.Count > 5 ? $" … and {problems.Count - 5} more problems." : ""))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>What the import created.</summary>
public sealed record ResultsImportSummary(int ExperimentId, int Rows, IReadOnlyDictionary<string, int> ArmCounts);

/// <summary>
/// Imports a finished experiment from a results CSV (one row per customer: arm, outcomes, covariates). The whole file is read
/// and checked before anything is written, and the experiment, its arms and every row are written in one transaction,
/// so a bad file never leaves a half-created experiment.
/// </summary>
public static partial class ExperimentResultsFile
{
    /// <summary>Rows of a results file kept in memory at most (a results file is per customer; millions belong in SQL).</summary>
    public const int MaxRows = 2_000_000;

    private const int MaxReportedProblems = 20;

    /// <summary>Reads the header, the first rows and every arm's row count, and suggests a mapping.</summary>
    public static ResultsPreview Preview(Stream stream, int sampleRows = 8)
    {
        using var reader = Reader(stream);
        using var csv = new CsvReader(reader, Configuration());
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } headers)
        {
            throw new ResultsFileException(["The file is empty: it needs a header row and one row per customer."]);
        }

        var sample = new List<string[]>();
        var all = new List<string[]>();
        long rows = 0;
        while (csv.Read())
        {
            rows++;
            var record = csv.Parser.Record ?? [];
            if (sample.Count < sampleRows)
            {
                sample.Add(record);
            }

            // Enough rows to count the arms of a typical file exactly, without keeping a million-row file in memory.
            if (all.Count < 200_000)
            {
                all.Add(record);
            }
        }

        var suggested = Suggest(headers, all);
        var armIndex = Array.IndexOf(headers, suggested.ArmColumn);
        var arms = armIndex < 0
            ? new Dictionary<string, int>()
            : all.Where(r => armIndex < r.Length).GroupBy(r => r[armIndex].Trim(), StringComparer.Ordinal).Where(g => g.Key.Length > 0)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ResultsPreview(headers, sample, arms, suggested with { Arms = arms.Keys.ToList() }, rows);
    }

    /// <summary>Suggests a mapping from header names (segment/arm/variant …, conversion, spend/revenue, visit, click, history/pre_period, customer_id/id).</summary>
    public static ResultsMapping Suggest(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        string? Find(params string[] names) => headers.FirstOrDefault(h => names.Contains(Normalize(h), StringComparer.Ordinal));
        var arm = Find("segment", "arm", "variant", "group", "treatment", "experimentgroup", "bucket", "offer") ?? headers[0];
        var armIndex = headers.ToList().IndexOf(arm);
        var armValues = rows.Where(r => armIndex < r.Length).Select(r => r[armIndex].Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var control = armValues.FirstOrDefault(v => ControlName().IsMatch(v)) ?? armValues.Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
        var conversion = Find("conversion", "converted", "purchase", "purchased", "conv");
        var revenue = Find("spend", "revenue", "sales", "amount", "value");
        var visit = Find("visit", "visited", "visits");
        var click = Find("click", "clicked", "clicks");
        var pre = Find("history", "preperiod", "prespend", "prerevenue", "preperiodvalue", "pre");
        var id = Find("customerid") ?? Find("id");
        var used = new[] { arm, conversion, revenue, visit, click }.Where(c => c is not null).ToHashSet(StringComparer.Ordinal);
        var covariates = headers.Where(h => !used.Contains(h) && !IdLike().IsMatch(Normalize(h))).ToList();
        return new ResultsMapping(arm, control, conversion, revenue, visit, click, pre, covariates, IdColumn: id);
    }

    /// <summary>Reads and checks the whole file against the mapping; throws <see cref="ResultsFileException"/> listing the problems.</summary>
    public static ParsedResults Parse(Stream stream, ResultsMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var problems = new List<string>();
        using var reader = Reader(stream);
        using var csv = new CsvReader(reader, Configuration());
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } headers)
        {
            throw new ResultsFileException(["The file is empty: it needs a header row and one row per customer."]);
        }

        int IndexOf(string column, string role)
        {
            var i = Array.FindIndex(headers, h => string.Equals(h.Trim(), column.Trim(), StringComparison.OrdinalIgnoreCase));
            if (i < 0)
            {
                problems.Add($"Column '{column}' ({role}) is not in the file; its columns are {string.Join(", ", headers.Select(h => $"'{h}'"))}.");
            }

            return i;
        }

        if (mapping.ConversionColumn is null && mapping.RevenueColumn is null && mapping.VisitColumn is null && mapping.ClickColumn is null)
        {
            problems.Add("Map at least one outcome column (conversion, revenue, visit or click).");
        }

        if (string.IsNullOrWhiteSpace(mapping.ControlArm))
        {
            problems.Add("Name the control arm.");
        }

        var arm = IndexOf(mapping.ArmColumn, "arm");
        var conversion = mapping.ConversionColumn is { } c ? IndexOf(c, "conversion") : -1;
        var revenue = mapping.RevenueColumn is { } r ? IndexOf(r, "revenue") : -1;
        var visit = mapping.VisitColumn is { } v ? IndexOf(v, "visit") : -1;
        var click = mapping.ClickColumn is { } k ? IndexOf(k, "click") : -1;
        var pre = mapping.PrePeriodColumn is { } p ? IndexOf(p, "pre-period value") : -1;
        var covariates = mapping.CovariateColumns.Select(col => (Name: col, Index: IndexOf(col, "covariate"))).ToList();
        var id = mapping.IdColumn is { } idColumn ? IndexOf(idColumn, "id") : -1;
        if (problems.Count > 0)
        {
            throw new ResultsFileException(problems);
        }

        var rows = new List<ResultRow>();

        // Line of each id's first row: a second row with the same id names both lines.
        var firstLineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            var record = csv.Parser.Record ?? [];
            string Field(int index) => index < record.Length ? record[index].Trim() : "";
            if (rows.Count >= MaxRows)
            {
                throw new ResultsFileException([$"The file has more than {MaxRows:N0} rows; import large experiments through the API in parts."]);
            }

            var armName = Field(arm);
            if (armName.Length == 0)
            {
                problems.Add($"Line {line}, column '{headers[arm]}': the arm is empty.");
            }
            else if (armName.Length > Limits.Title)
            {
                problems.Add($"Line {line}, column '{headers[arm]}': the arm name is longer than {Limits.Title} characters.");
            }

            bool? Flag(int index)
            {
                if (index < 0)
                {
                    return null;
                }

                var text = Field(index);
                if (TryFlag(text, out var value))
                {
                    return value;
                }

                problems.Add($"Line {line}, column '{headers[index]}': '{Shorten(text)}' is not 0/1 (a conversion, visit or click must be 0 or 1).");
                return null;
            }

            double? Number(int index, bool emptyIsZero)
            {
                if (index < 0)
                {
                    return null;
                }

                var text = Field(index);
                if (text.Length == 0)
                {
                    return emptyIsZero ? 0 : null;
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                {
                    return value;
                }

                problems.Add($"Line {line}, column '{headers[index]}': '{Shorten(text)}' is not a number.");
                return null;
            }

            string? rowKey = null;
            if (id >= 0)
            {
                rowKey = Field(id);
                if (rowKey.Length == 0)
                {
                    problems.Add($"Line {line}, column '{headers[id]}': the id is empty; every row needs its own id.");
                }
                else if (rowKey.Length > Limits.ExternalId)
                {
                    problems.Add($"Line {line}, column '{headers[id]}': the id is longer than {Limits.ExternalId} characters.");
                }
                else if (!firstLineOf.TryAdd(rowKey, line))
                {
                    problems.Add($"Lines {firstLineOf[rowKey]} and {line}, column '{headers[id]}': the id '{Shorten(rowKey)}' occurs twice; every row needs its own id.");
                }
            }

            var row = new ResultRow(armName, Flag(conversion), Number(revenue, emptyIsZero: true), Flag(visit), Flag(click), Number(pre, emptyIsZero: false),
                covariates.Count == 0 ? null : CovariatesJson(covariates.Select(cv => (cv.Name, Field(cv.Index)))), rowKey);
            rows.Add(row);
            if (problems.Count >= MaxReportedProblems)
            {
                break;
            }
        }

        if (problems.Count > 0)
        {
            throw new ResultsFileException(problems);
        }

        var counts = rows.GroupBy(x => x.Arm, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (rows.Count == 0)
        {
            problems.Add("The file has a header but no rows.");
        }
        else if (!counts.ContainsKey(mapping.ControlArm.Trim()))
        {
            problems.Add($"The control arm '{mapping.ControlArm}' does not occur in column '{mapping.ArmColumn}'; the arms in the file are {string.Join(", ", counts.Keys.Order(StringComparer.Ordinal).Select(a => $"'{a}'"))}.");
        }

        foreach (var expected in mapping.Arms ?? [])
        {
            if (!counts.ContainsKey(expected.Trim()))
            {
                problems.Add($"The arm '{expected}' has no rows in column '{mapping.ArmColumn}'.");
            }
        }

        if (rows.Count > 0 && counts.Count < 2)
        {
            problems.Add($"Column '{mapping.ArmColumn}' has only one arm ('{counts.Keys.First()}'); an experiment needs a control and at least one variant.");
        }

        if (rows.Count > 0 && mapping.PlannedSplit is { } split)
        {
            problems.AddRange(PlannedSplitProblems(split, counts, mapping.ArmColumn));
        }

        if (problems.Count > 0)
        {
            throw new ResultsFileException(problems);
        }

        return new ParsedResults(rows, counts);
    }

    /// <summary>
    /// Creates a finished, imported experiment with one arm per distinct arm value (control first, the others by name) and one
    /// assignment per row, all in one transaction. The arms' weights are the planned split (equal shares when none is stated),
    /// so the sample-ratio check asks whether the file's arm sizes fit the plan — never the observed sizes, which would always fit.
    /// </summary>
    /// <param name="configure">Sets what the file does not say (the arms' costs, the margin) before anything is written, in the same transaction.</param>
    public static async Task<ResultsImportSummary> CreateAsync(AppDbContext db, ParsedResults parsed, ResultsMapping mapping, string name, PrimaryMetric metric,
        string createdBy, DateTime now, CancellationToken ct = default, Action<Experiment>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var control = mapping.ControlArm.Trim();
        var armNames = parsed.ArmCounts.Keys.OrderBy(a => a == control ? 0 : 1).ThenBy(a => a, StringComparer.Ordinal).ToList();
        var experiment = new Experiment
        {
            Name = string.IsNullOrWhiteSpace(name) ? "Imported experiment" : name.Trim()[..Math.Min(name.Trim().Length, Limits.Title)],
            Hypothesis = $"Imported from a results file: arm column '{mapping.ArmColumn}', control '{control}'.",
            Status = ExperimentStatus.Finished,
            Source = ExperimentSource.Imported,
            PrimaryMetric = metric,
            AssignmentSalt = Guid.NewGuid().ToString("N"),
            CreatedBy = createdBy,
            CreatedAt = now,
            StartedAt = now,
            EndedAt = now,
            Variants = armNames.Select((a, i) => new Variant { Name = a, IsControl = a == control, Weight = PlannedWeight(mapping, a), SortOrder = i }).ToList(),
        };
        configure?.Invoke(experiment);

        var money = MoneyParameters.For(db.Database);
        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync(ct);
            var variantIds = experiment.Variants.ToDictionary(v => v.Name, v => v.Id, StringComparer.Ordinal);
            var tx = db.Database.CurrentTransaction!.GetDbTransaction();
            await using (var insert = await BulkInserter.CreateAsync(db.Database.GetDbConnection(), tx, "Assignments",
                             ["ExperimentId", "VariantId", "AssignedAt", "Visited", "Clicked", "Converted", "Revenue", "PrePeriodValue", "CovariatesJson", "RowKey"], ct: ct))
            {
                foreach (var row in parsed.Rows)
                {
                    object? revenue = row.Revenue is { } r ? money.Value(r) : null;
                    await insert.InsertAsync(ct, experiment.Id, variantIds[row.Arm], now, row.Visited, row.Clicked, row.Converted, revenue, row.PrePeriodValue, row.CovariatesJson, row.RowKey);
                }
            }

            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(ct);
            }
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }

        return new ResultsImportSummary(experiment.Id, parsed.Rows.Count, parsed.ArmCounts);
    }

    /// <summary>A planned split must give every arm of the file a positive share and name no other arm.</summary>
    private static IEnumerable<string> PlannedSplitProblems(IReadOnlyDictionary<string, double> split, IReadOnlyDictionary<string, int> counts, string armColumn)
    {
        var arms = string.Join(", ", counts.Keys.Order(StringComparer.Ordinal).Select(a => $"'{a}'"));
        var named = split.ToDictionary(s => s.Key.Trim(), s => s.Value, StringComparer.Ordinal);
        foreach (var (arm, share) in named.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!counts.ContainsKey(arm))
            {
                yield return $"The planned split names the arm '{arm}', which has no rows in column '{armColumn}'; the arms are {arms}.";
            }
            else if (!ResultsMapping.IsShare(share))
            {
                yield return ResultsMapping.ShareProblem(arm);
            }
        }

        foreach (var arm in counts.Keys.Where(a => !named.ContainsKey(a)).Order(StringComparer.Ordinal))
        {
            yield return $"The planned split gives no share for the arm '{arm}'; give every arm in column '{armColumn}' a share, or leave the split empty for equal shares.";
        }
    }

    private static double PlannedWeight(ResultsMapping mapping, string arm) =>
        mapping.PlannedSplit?.FirstOrDefault(s => s.Key.Trim() == arm) is { Key: not null } s ? s.Value : 1;

    private static bool TryFlag(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "1" or "1.0" or "true" or "yes" or "y":
                value = true;
                return true;
            case "0" or "0.0" or "false" or "no" or "n" or "":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static string CovariatesJson(IEnumerable<(string Name, string Value)> values)
    {
        var dictionary = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (n, v) in values)
        {
            dictionary[n] = v.Length <= Limits.AttributeValue ? v : v[..Limits.AttributeValue];
        }

        return JsonSerializer.Serialize(dictionary);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Normalize(string header) => new(header.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());

    private static StreamReader Reader(Stream stream) => new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);

    private static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        DetectDelimiter = true,
        DetectDelimiterValues = [",", ";", "\t", "|"],
        BadDataFound = null,
        MissingFieldFound = null,
        IgnoreBlankLines = true,
        DetectColumnCountChanges = false,
    };

    [GeneratedRegex(@"^(no[\s_-]*e?-?mail|control|holdout|none|no[\s_-]*message|baseline|untreated)$", RegexOptions.IgnoreCase)]
    private static partial Regex ControlName();

    [GeneratedRegex(@"^(id|customerid|userid|email|rowid)$")]
    private static partial Regex IdLike();
}

/// <summary>One row of a results file.</summary>
/// <param name="RowKey">The row's value in the file's id column, when one is mapped.</param>
public sealed record ResultRow(string Arm, bool? Converted, double? Revenue, bool? Visited, bool? Clicked, double? PrePeriodValue, string? CovariatesJson,
    string? RowKey = null);

/// <summary>A checked results file, ready to be written.</summary>
public sealed record ParsedResults(IReadOnlyList<ResultRow> Rows, IReadOnlyDictionary<string, int> ArmCounts);
