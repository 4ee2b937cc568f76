using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Features.Experiments.Uplift;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>Experiments over HTTP: create one from a results CSV, read its analysis, read per-customer uplift scores.</summary>
public static class ExperimentsApi
{
    /// <summary>Enums as names (metric, verdict) and NaN allowed (a relative lift against a control of 0), for this API's responses only.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static RouteGroupBuilder MapExperimentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");

        group.MapGet("/", async (ExperimentService experiments, CancellationToken ct) => TypedResults.Json(await experiments.DashboardAsync(ct), Json))
            .WithSummary("Every experiment with its primary metric's best arm, relative lift and CI, verdict and sample-ratio flag.");

        // The form is read by hand (not bound) so a wrong content type still meets the role check first, and gets a readable 400.
        group.MapPost("/import", async Task<Results<JsonHttpResult<ImportResponse>, ProblemHttpResult>> (HttpRequest request, ExperimentImportService import, CancellationToken ct) =>
            {
                if (!request.HasFormContentType)
                {
                    return TypedResults.Problem("Send multipart/form-data with the results CSV in the field 'file'.", statusCode: StatusCodes.Status400BadRequest);
                }

                var form = ImportForm.From(await request.ReadFormAsync(ct));
                if (form.File is null || form.File.Length == 0)
                {
                    return TypedResults.Problem("Send the results CSV as the multipart field 'file'.", statusCode: StatusCodes.Status400BadRequest);
                }

                ResultsMapping mapping;
                await using (var preview = form.File.OpenReadStream())
                {
                    try
                    {
                        mapping = ExperimentResultsFile.Preview(preview).Suggested with { Arms = null };
                    }
                    catch (ResultsFileException ex)
                    {
                        return Problem(ex);
                    }
                }

                mapping = mapping with
                {
                    ArmColumn = form.ArmColumn ?? mapping.ArmColumn,
                    ControlArm = form.ControlArm ?? mapping.ControlArm,
                    ConversionColumn = form.ConversionColumn ?? mapping.ConversionColumn,
                    RevenueColumn = form.RevenueColumn ?? mapping.RevenueColumn,
                    VisitColumn = form.VisitColumn ?? mapping.VisitColumn,
                    ClickColumn = form.ClickColumn ?? mapping.ClickColumn,
                    PrePeriodColumn = form.PrePeriodColumn ?? mapping.PrePeriodColumn,
                    CovariateColumns = form.Covariates is { Length: > 0 } c
                        ? c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        : mapping.CovariateColumns.Where(x => x != form.ArmColumn && x != form.ConversionColumn && x != form.RevenueColumn && x != form.VisitColumn && x != form.ClickColumn).ToList(),
                    Arms = form.Arms is { Length: > 0 } a ? a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                };
                var metric = form.Metric ?? ExperimentImportService.SuggestMetric(mapping);
                try
                {
                    await using var content = form.File.OpenReadStream();
                    var summary = await import.CreateAsync(content, mapping, form.Name ?? Path.GetFileNameWithoutExtension(form.File.FileName), metric, ct);
                    return TypedResults.Json(new ImportResponse(summary.ExperimentId, summary.Rows, summary.ArmCounts, mapping), Json, statusCode: StatusCodes.Status201Created);
                }
                catch (ResultsFileException ex)
                {
                    return Problem(ex);
                }
            })
            .RequireAuthorization(Policies.CanEdit).DisableAntiforgery()
            .WithSummary("Creates a finished experiment from a results CSV (multipart field 'file'); columns are suggested from the header unless named. Nothing is created when any row is bad.");

        group.MapGet("/{id:int}/analysis", async Task<Results<JsonHttpResult<AnalysisResponse>, NotFound>> (int id, PrimaryMetric? metric, bool? cuped,
                ExperimentService experiments, ExperimentAnalysisService analysis, Predictive.SmallGroups smallGroups, CancellationToken ct) =>
            {
                var detail = await experiments.GetAsync(id, ct);
                if (detail is null)
                {
                    return TypedResults.NotFound();
                }

                var readout = await analysis.AnalyzeAsync(id, metric, cuped ?? true, ct);
                return TypedResults.Json(ExperimentPrivacy.Apply(detail, readout, await smallGroups.MinGroupSizeAsync(ct)), Json);
            })
            .WithSummary("Per-arm results with lifts, 95 % CIs, raw and Holm-adjusted p-values, chances to beat control / be best, and the sample-ratio check; arms in hiddenArms (fewer than minGroupSize customers, successes or non-successes) carry no numbers.");

        group.MapGet("/{id:int}/uplift-scores.csv", async (int id, UpliftService uplift, CancellationToken ct) =>
            {
                await using var buffer = new MemoryStream();
                return await uplift.WriteScoresCsvAsync(id, buffer, ct)
                    ? Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"experiment-{id}-uplift-scores.csv")
                    : Results.Problem("No uplift models are trained for this experiment yet.", statusCode: StatusCodes.Status404NotFound);
            })
            .WithSummary("Out-of-fold uplift scores per customer for every learner, with purchase propensity; text cells are spreadsheet-safe.");

        return group;
    }

    private static ProblemHttpResult Problem(ResultsFileException ex) =>
        TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["problems"] = ex.Problems });
}

/// <summary>The multipart form of an import; unnamed columns are suggested from the header.</summary>
public sealed class ImportForm
{
    public IFormFile? File { get; set; }
    public string? Name { get; set; }
    public string? ArmColumn { get; set; }
    public string? ControlArm { get; set; }
    public string? ConversionColumn { get; set; }
    public string? RevenueColumn { get; set; }
    public string? VisitColumn { get; set; }
    public string? ClickColumn { get; set; }
    public string? PrePeriodColumn { get; set; }

    /// <summary>Comma-separated covariate columns; all other columns when empty.</summary>
    public string? Covariates { get; set; }

    /// <summary>Comma-separated arms that must each have rows.</summary>
    public string? Arms { get; set; }

    public PrimaryMetric? Metric { get; set; }

    public static ImportForm From(IFormCollection form)
    {
        string? Text(string key) => form.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        return new ImportForm
        {
            File = form.Files.GetFile("file"),
            Name = Text("name"),
            ArmColumn = Text("armColumn"),
            ControlArm = Text("controlArm"),
            ConversionColumn = Text("conversionColumn"),
            RevenueColumn = Text("revenueColumn"),
            VisitColumn = Text("visitColumn"),
            ClickColumn = Text("clickColumn"),
            PrePeriodColumn = Text("prePeriodColumn"),
            Covariates = Text("covariates"),
            Arms = Text("arms"),
            Metric = Enum.TryParse<PrimaryMetric>(Text("metric"), ignoreCase: true, out var m) ? m : null,
        };
    }
}

public sealed record ImportResponse(int ExperimentId, int Rows, IReadOnlyDictionary<string, int> Arms, ResultsMapping Mapping);

public sealed record AnalysisResponse(ExperimentDetail Experiment, PrimaryMetric Metric, string Verdict, bool CupedAvailable, string? Problem, ExperimentAnalysis? Analysis)
{
    /// <summary>k of the privacy settings.</summary>
    public int MinGroupSize { get; init; }

    /// <summary>Arms shown without numbers because of k (see <see cref="ExperimentPrivacy"/>).</summary>
    public IReadOnlyList<string> HiddenArms { get; init; } = [];
}
