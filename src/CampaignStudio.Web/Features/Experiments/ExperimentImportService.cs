using CampaignStudio.Data;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Features.Experiments.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// "Import a finished experiment": upload a results CSV, get a suggested mapping (arm column, control, outcomes, covariates),
/// create the experiment. The file is checked completely before anything is written, and written in one transaction.
/// </summary>
public sealed class ExperimentImportService(IDbContextFactory<AppDbContext> dbFactory, DatabaseOptions database, CurrentUser user, TimeProvider clock)
{
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    private string UploadFolder => Path.Combine(database.DataFolder, "experiment-uploads");

    /// <summary>Keeps the upload on disk (not in memory) and returns its handle.</summary>
    public async Task<string> SaveUploadAsync(Stream content, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        Directory.CreateDirectory(UploadFolder);
        var id = Guid.NewGuid().ToString("N");
        await using var file = File.Create(PathOf(id));
        await content.CopyToAsync(file, ct);
        return id;
    }

    public async Task<ResultsPreview> PreviewAsync(string uploadId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var stream = File.OpenRead(PathOf(uploadId));
        return await Task.Run(() => ExperimentResultsFile.Preview(stream), ct);
    }

    /// <summary>Arm counts of a column other than the suggested one (when the marketer picks another arm column).</summary>
    public async Task<IReadOnlyDictionary<string, int>> ArmsAsync(string uploadId, string armColumn, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var stream = File.OpenRead(PathOf(uploadId));
        var preview = await Task.Run(() => ExperimentResultsFile.Preview(stream, 0), ct);
        var index = preview.Headers.ToList().IndexOf(armColumn);
        if (index < 0)
        {
            return new Dictionary<string, int>();
        }

        stream.Position = 0;
        using var reader = new StreamReader(stream);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using var csv = new CsvHelper.CsvReader(reader, System.Globalization.CultureInfo.InvariantCulture);
        await csv.ReadAsync();
        csv.ReadHeader();
        while (await csv.ReadAsync())
        {
            var value = (csv.Parser.Record is { } r && index < r.Length ? r[index] : "").Trim();
            if (value.Length > 0)
            {
                counts[value] = counts.GetValueOrDefault(value) + 1;
            }
        }

        return counts;
    }

    public async Task<ResultsImportSummary> CreateFromUploadAsync(string uploadId, ResultsMapping mapping, string name, PrimaryMetric metric, CancellationToken ct = default,
        OfferCostsInput? costs = null)
    {
        ResultsImportSummary summary;
        await using (var stream = File.OpenRead(PathOf(uploadId)))
        {
            summary = await CreateAsync(stream, mapping, name, metric, ct, costs);
        }

        File.Delete(PathOf(uploadId));
        return summary;
    }

    /// <summary>
    /// Checks the whole file (and the offers' costs, when given, against its arms), then creates the experiment with every row;
    /// throws <see cref="ResultsFileException"/> naming the problems.
    /// </summary>
    public async Task<ResultsImportSummary> CreateAsync(Stream content, ResultsMapping mapping, string name, PrimaryMetric metric, CancellationToken ct = default,
        OfferCostsInput? costs = null)
    {
        await user.RequireAsync(Policies.CanEdit);
        var parsed = await Task.Run(() => ExperimentResultsFile.Parse(content, mapping), ct);
        if (costs?.Problems(parsed.ArmCounts.Keys.ToList()) is { Count: > 0 } problems)
        {
            throw new ResultsFileException(problems);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await ExperimentResultsFile.CreateAsync(db, parsed, mapping, name, metric, await user.NameAsync(), clock.GetUtcNow().UtcDateTime, ct, costs is null ? null : costs.ApplyTo);
    }

    /// <summary>The primary metric a mapping suggests: conversion when mapped, else revenue, visit, click.</summary>
    public static PrimaryMetric SuggestMetric(ResultsMapping mapping) =>
        mapping.ConversionColumn is not null ? PrimaryMetric.Conversion
        : mapping.RevenueColumn is not null ? PrimaryMetric.RevenuePerCustomer
        : mapping.VisitColumn is not null ? PrimaryMetric.Visit
        : PrimaryMetric.Click;

    private string PathOf(string id)
    {
        if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Unknown upload.");
        }

        return Path.Combine(UploadFolder, id + ".csv");
    }
}
