using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Analytics.Bandits;
using CampaignStudio.Analytics.Experiments;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Api;
using CampaignStudio.Web.Features.Experiments.Offers;
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

    /// <summary>
    /// The enums this API's answers carry, which <see cref="Json"/> writes by name while the studio's other answers write enums as
    /// numbers: the OpenAPI document describes them as their names (only this API uses them, so one description fits).
    /// </summary>
    public static readonly IReadOnlySet<Type> EnumsByName = new HashSet<Type>
    {
        typeof(PrimaryMetric), typeof(ExperimentStatus), typeof(ExperimentSource), typeof(Allocation), typeof(EffectKind), typeof(ArmVerdict), typeof(MetricKind),
        typeof(Reading), typeof(Analytics.Sequential.SequentialVerdict),
    };

    public static RouteGroupBuilder MapExperimentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");

        group.MapGet("/", async Task<Results<ExperimentOk<IReadOnlyList<ExperimentSummary>>, ProblemHttpResult>> (string? reading, ExperimentService experiments, CancellationToken ct) =>
                AlwaysValidReading.Parse(reading) is var chosen && reading is not null && chosen is null
                    ? TypedResults.Problem("'reading' is 'sequential' or 'fixed'.", statusCode: StatusCodes.Status400BadRequest)
                    : ExperimentAnswer.Ok(await experiments.DashboardAsync(chosen, ct)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Every experiment with its primary metric's best arm, relative lift and CI, verdict and sample-ratio flag. " +
                "Running experiments show always-valid intervals and verdicts by default (valid at every look), finished ones fixed-horizon; 'reading=sequential|fixed' chooses for all. " +
                "'reading' says which each row shows; both intervals are in every row.");

        // The form is read by hand (not bound) so a wrong content type still meets the role check first, and gets a readable 400.
        group.MapPost("/import", async Task<Results<ExperimentCreated<ImportResponse>, ProblemHttpResult>> (HttpRequest request, ExperimentImportService import, CancellationToken ct) =>
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

                IReadOnlyDictionary<string, double>? plannedSplit;
                OfferCostsInput? costs;
                try
                {
                    plannedSplit = ResultsMapping.ParsePlannedSplit(form.PlannedSplit);
                    costs = form.OfferCosts();
                }
                catch (ResultsFileException ex)
                {
                    return Problem(ex);
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
                        : mapping.CovariateColumns.Where(x => x != form.ArmColumn && x != form.ConversionColumn && x != form.RevenueColumn && x != form.VisitColumn && x != form.ClickColumn && x != form.IdColumn).ToList(),
                    IdColumn = form.IdColumn == ImportForm.NoId ? null : form.IdColumn ?? mapping.IdColumn,
                    Arms = form.Arms is { Length: > 0 } a ? a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                    PlannedSplit = plannedSplit,
                };
                var metric = form.Metric ?? ExperimentImportService.SuggestMetric(mapping);
                try
                {
                    await using var content = form.File.OpenReadStream();
                    var summary = await import.CreateAsync(content, mapping, form.Name ?? Path.GetFileNameWithoutExtension(form.File.FileName), metric, ct, costs);
                    return ExperimentAnswer.Created(new ImportResponse(summary.ExperimentId, summary.Rows, summary.ArmCounts, mapping));
                }
                catch (ResultsFileException ex)
                {
                    return Problem(ex);
                }
            })
            .RequireAuthorization(Policies.CanEdit).DisableAntiforgery().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Creates a finished experiment from a results CSV (multipart field 'file'); columns are suggested from the header unless named. " +
                "'plannedSplit' states the split the test was planned with as arm=share pairs ('Control=50, Mail=50'; default: equal shares) for the sample-ratio check. " +
                "'id' names the column identifying each row (default: 'customer_id' or 'id' when the header has one); every id must be given and unique, and comes back in every per-row export; '(none)' keeps no id. " +
                "'costs' states the offers' costs as JSON like the policy body ({\"margin\":0.40,\"arms\":{\"d10\":{\"discount\":0.10,\"messageCost\":0.01}}}; arms not named cost nothing); 'margin' sets the experiment's gross margin. " +
                "Nothing is created when any row is bad.");

        group.MapGet("/{id:int}/analysis", async Task<Results<ExperimentOk<AnalysisResponse>, NotFound, ProblemHttpResult>> (int id, PrimaryMetric? metric, bool? cuped, string? reading,
                ExperimentService experiments, ExperimentAnalysisService analysis, Privacy.PrivacySettingsService privacy, CancellationToken ct) =>
            {
                var chosen = AlwaysValidReading.Parse(reading);
                if (reading is not null && chosen is null)
                {
                    return TypedResults.Problem("'reading' is 'sequential' or 'fixed'.", statusCode: StatusCodes.Status400BadRequest);
                }

                var detail = await experiments.GetAsync(id, ct);
                if (detail is null)
                {
                    return TypedResults.NotFound();
                }

                var readout = await analysis.AnalyzeAsync(id, metric, cuped, chosen, ct);
                return ExperimentAnswer.Ok(ExperimentPrivacy.Apply(detail, readout, await privacy.MinGroupSizeAsync(ct)));
            })
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Per-arm results with lifts, 95 % CIs, raw and Holm-adjusted p-values, chances to beat control / be best, and the sample-ratio check; arms in hiddenArms (fewer than minGroupSize customers, successes or non-successes) carry no numbers. " +
                "Without 'cuped' the lifts are CUPED-adjusted only when that removes at least 5 % of the variance (the experiment page's and the list's default); 'adjustment' says which they are. " +
                "'sequential' holds always-valid intervals (confidence sequences) beside the fixed-horizon ones and the sequential sample-ratio check; 'reading' says which the verdict and " +
                "'sampleRatioMismatch' follow: 'sequential' by default while the experiment runs, 'fixed' once finished, or as 'reading=sequential|fixed' asks.");

        group.MapGet("/{id:int}/start-preview", async Task<Results<ExperimentOk<StartPreview>, NotFound, ProblemHttpResult>> (int id, ExperimentService experiments, CancellationToken ct) =>
            {
                if (await experiments.GetAsync(id, ct) is null)
                {
                    return TypedResults.NotFound();
                }

                try
                {
                    return ExperimentAnswer.Ok(await experiments.StartPreviewAsync(id, ct));
                }
                catch (ExperimentStateException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }
                catch (ArgumentException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .RequireAuthorization(Policies.CanEdit).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("What starting a draft would do, without doing it: customers per arm (the same assignment the start makes), what each arm receives, and the power of that split for the design's plan.");

        group.MapPost("/{id:int}/start", async Task<Results<ExperimentOk<StartResponse>, NotFound, ProblemHttpResult>> (int id, StartRequest? request, ExperimentService experiments, CancellationToken ct) =>
            {
                if (await experiments.GetAsync(id, ct) is null)
                {
                    return TypedResults.NotFound();
                }

                try
                {
                    var assigned = await experiments.StartAsync(id, request?.Confirm == true, request?.ExpectedCustomers, ct);
                    var detail = (await experiments.GetAsync(id, ct))!;
                    return ExperimentAnswer.Ok(new StartResponse(id, assigned, detail.Arms.ToDictionary(a => a.Name, a => a.Customers)));
                }
                catch (StartNotConfirmedException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["preview"] = ex.Preview });
                }
                catch (AudienceChangedException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["preview"] = ex.Preview });
                }
                catch (ExperimentStateException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
                }
                catch (ArgumentException ex)
                {
                    return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
                }
            })
            .RequireAuthorization(Policies.CanEdit).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Starts a draft: assigns the audience's mailable customers to the arms for good. Needs {\"confirm\": true}; with \"expectedCustomers\" (the number the start preview showed) it is refused with 409 when the audience has changed since, and with 409 in words when its customers are already assigned (a launched policy's round, which starts with its campaign). Without the confirmation: 400 with the preview.");

        group.MapGet("/{id:int}/uplift-scores.csv", async (int id, UpliftService uplift, CancellationToken ct) =>
            {
                await using var buffer = new MemoryStream();
                return await uplift.WriteScoresCsvAsync(id, buffer, ct)
                    ? Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"experiment-{id}-uplift-scores.csv")
                    : Results.Problem("No uplift models are trained for this experiment yet.", statusCode: StatusCodes.Status404NotFound);
            })
            .ProducesCsv().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Out-of-fold uplift scores per customer for every learner, with purchase propensity; file_id is the results file's id column (empty when none was kept). Text cells are spreadsheet-safe.");

        group.MapGet("/{id:int}", GetAsync).WithSummary("One experiment: status, source, metric, dates and its arms with their weights, e-mails and customers.");
        group.MapGet("/plan", Plan)
            .WithSummary("The design page's sample-size panel: customers per arm and in all for a baseline rate and the smallest effect worth finding, "
                + "by the arms' weights ('weights' as 50,50 with the control first) and the holdout share; with 'eligiblePerDay' how many days that takes. Problems come back as 'error'.");
        group.MapPost("/{id:int}/outcomes", MeasureOutcomesAsync).RequireAuthorization(Policies.CanEdit).ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Measures the outcomes of a campaign experiment's customers now (clicks, visits, purchases and revenue in the attribution window), as 'Measure outcomes' on its page does.");
        group.MapPost("/{id:int}/finish", FinishAsync).RequireAuthorization(Policies.CanEdit).ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Finishes (stops) a running experiment: outcomes stop accruing and the analysis becomes final; 400 in words when it is not running.");

        group.MapExperimentDesignApi();
        return group;
    }

    public static async Task<Results<ExperimentOk<ExperimentDetail>, NotFound>> GetAsync(int id, ExperimentService experiments, CancellationToken ct) =>
        await experiments.GetAsync(id, ct) is { } detail ? ExperimentAnswer.Ok(detail) : TypedResults.NotFound();

    public static ExperimentOk<PlanResponse> Plan([AsParameters] PlanRequest request)
    {
        var form = new PowerForm
        {
            BaselineRate = request.BaselineRate,
            MinimumDetectableEffect = request.MinimumDetectableEffect,
            EffectKind = request.EffectKind ?? Analytics.Experiments.EffectKind.Relative,
            Alpha = request.Alpha ?? 0.05,
            Power = request.Power ?? 0.8,
            Arms = request.Arms ?? 2,
            EligiblePerDay = request.EligiblePerDay,
            AvailableAudience = request.AvailableAudience,
            HoldoutShare = request.HoldoutShare ?? 0,
            Weights = request.Weights?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => double.TryParse(w, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToList(),
        };
        var (plan, error) = ExperimentService.Plan(form);
        return ExperimentAnswer.Ok(new PlanResponse(plan, error));
    }

    public static async Task<Results<Ok<OutcomesResponse>, NotFound, ProblemHttpResult>> MeasureOutcomesAsync(int id, ExperimentService experiments, ExperimentOutcomeService outcomes,
        CancellationToken ct)
    {
        if (await experiments.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            return TypedResults.Ok(new OutcomesResponse(id, await outcomes.FillAsync(id, ct)));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    public static async Task<Results<ExperimentOk<ExperimentDetail>, NotFound, ProblemHttpResult>> FinishAsync(int id, ExperimentService experiments, CancellationToken ct)
    {
        if (await experiments.GetAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            await experiments.FinishAsync(id, ct);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        return ExperimentAnswer.Ok((await experiments.GetAsync(id, ct))!);
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

    /// <summary>The planned split as arm=share pairs separated by commas; empty for equal shares.</summary>
    public string? PlannedSplit { get; set; }

    public PrimaryMetric? Metric { get; set; }

    /// <summary>The value of 'id' that keeps no id column even when the header suggests one.</summary>
    public const string NoId = "(none)";

    /// <summary>The column identifying each row; the header's suggestion when empty.</summary>
    public string? IdColumn { get; set; }

    /// <summary>The offers' costs as JSON, like the body of POST /policy.</summary>
    public string? Costs { get; set; }

    /// <summary>The experiment's gross margin, a share (0.40).</summary>
    public string? Margin { get; set; }

    /// <summary>The costs and margin stated with the import; null when neither is.</summary>
    /// <exception cref="ResultsFileException">The costs are not JSON or the margin not a number.</exception>
    public OfferCostsInput? OfferCosts()
    {
        if (Costs is null && Margin is null)
        {
            return null;
        }

        OfferCostsInput costs;
        try
        {
            costs = Costs is null ? new OfferCostsInput() : JsonSerializer.Deserialize<OfferCostsInput>(Costs, ExperimentsApi.Json) ?? new OfferCostsInput();
        }
        catch (JsonException ex)
        {
            throw new ResultsFileException([$"The costs are not the JSON expected ({{\"margin\":0.40,\"arms\":{{\"arm\":{{\"discount\":0.10,\"messageCost\":0.01,\"redemptionCost\":0}}}}}}): {ex.Message.Split(" Path:")[0]}"]);
        }

        if (Margin is null)
        {
            return costs;
        }

        return double.TryParse(Margin, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var margin)
            ? costs with { Margin = margin }
            : throw new ResultsFileException([$"The margin '{Margin}' is not a number; write it as a share, e.g. 0.40 for 40 %."]);
    }

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
            PlannedSplit = Text("plannedSplit"),
            Metric = Enum.TryParse<PrimaryMetric>(Text("metric"), ignoreCase: true, out var m) ? m : null,
            IdColumn = Text("id"),
            Costs = Text("costs"),
            Margin = Text("margin"),
        };
    }
}

/// <summary>The body of a start: the explicit confirmation that customers are assigned for good, and the number confirmed.</summary>
public sealed record StartRequest(bool Confirm, int? ExpectedCustomers = null);

/// <summary>The inputs of the sample-size panel; 'weights' are the arms' weights separated by commas, control first (default: an equal split over 'arms').</summary>
public sealed record PlanRequest(double BaselineRate, double MinimumDetectableEffect, Analytics.Experiments.EffectKind? EffectKind, double? Alpha, double? Power, int? Arms,
    double? EligiblePerDay, long? AvailableAudience, double? HoldoutShare, string? Weights);

/// <summary>The plan, or the error in the inputs in words.</summary>
public sealed record PlanResponse(SampleSizePlan? Plan, string? Error);

/// <summary>Outcomes measured: the customers of the experiment whose outcomes were filled in.</summary>
public sealed record OutcomesResponse(int ExperimentId, int Customers);

/// <summary>A started experiment: customers assigned in all and per arm.</summary>
public sealed record StartResponse(int ExperimentId, int Customers, IReadOnlyDictionary<string, int> Arms);

public sealed record ImportResponse(int ExperimentId, int Rows, IReadOnlyDictionary<string, int> Arms, ResultsMapping Mapping);

public sealed record AnalysisResponse(ExperimentDetail Experiment, PrimaryMetric Metric, string Verdict, bool CupedAvailable, string? Problem, ExperimentAnalysis? Analysis)
{
    /// <summary>k of the privacy settings.</summary>
    public int MinGroupSize { get; init; }

    /// <summary>Arms shown without numbers because of k (see <see cref="ExperimentPrivacy"/>).</summary>
    public IReadOnlyList<string> HiddenArms { get; init; } = [];

    /// <summary>True when the lifts are CUPED-adjusted (asked for, or by default under <see cref="CupedRule"/>).</summary>
    public bool CupedApplied { get; init; }

    /// <summary>The share of the variance CUPED removes (or would remove); null when it cannot be computed.</summary>
    public double? CupedVarianceReduction { get; init; }

    /// <summary>"CUPED" or "Unadjusted": which lifts these are.</summary>
    public string Adjustment => ExperimentReadout.AdjustmentLabel(CupedApplied);

    /// <summary>Which reading the verdict and the sample-ratio flag follow (always valid while running, unless asked otherwise).</summary>
    public Reading Reading { get; init; } = Reading.Fixed;

    /// <summary>Why this reading, in the words the page uses.</summary>
    public string ReadingNote => AlwaysValidReading.Note(Reading);

    /// <summary>Always-valid intervals beside the fixed-horizon ones, and the sequential sample-ratio check; hidden arms carry NaN.</summary>
    public SequentialAnalysis? Sequential { get; init; }

    /// <summary>The sample-ratio flag of the reading shown.</summary>
    public bool SampleRatioMismatch { get; init; }

    /// <summary>Adaptive experiments: every arm reweighted by the logged allocation (unbiased); null for fixed allocation.</summary>
    public AdaptiveAnalysis? Adaptive { get; init; }

    /// <summary>Non-null when the analysis weights each customer by their logged chance of their arm (a launched policy's round, moved adaptive rounds).</summary>
    public string? WeightingNote { get; init; }
}
