using System.Diagnostics;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Training.Uplift;

/// <summary>Uplift results, one file per experiment (see <see cref="ResultFiles{TResult}"/>).</summary>
public sealed class UpliftStore(DatabaseOptions database) : ResultFiles<UpliftResult>(database, "uplift")
{
    protected override int ExperimentOf(UpliftResult result) => result.ExperimentId;
}

/// <summary>
/// Trains uplift models in the background through the experiments' one training mechanism (<see cref="TrainingJobs{TJob}"/>):
/// the page starts a job, polls its progress, may cancel it, and reads the stored result when it is done.
/// </summary>
public sealed class UpliftJobs(IDbContextFactory<AppDbContext> dbFactory, UpliftStore store, TimeProvider clock, TrainingJobs<UpliftJobs> jobs) : ITrainingJob
{
    public static TrainingKind Kind => TrainingKind.Uplift;

    /// <summary>The experiment's running or last run, as every instance sees it; null when none was started.</summary>
    public Task<TrainingProgress?> StatusAsync(int experimentId, CancellationToken ct = default) => jobs.StatusAsync(experimentId, ct);

    /// <summary>The experiment's last job started here, to await its end; null when none was started here.</summary>
    public Task? Completion(int experimentId) => jobs.Completion(experimentId);

    /// <summary>Starts training and returns its task; refused in words while a run for the experiment is queued or running on any instance.</summary>
    public Task<Task> StartAsync(int experimentId, UpliftRequest request, CancellationToken ct = default) =>
        jobs.StartAsync(experimentId, report => TrainAsync(experimentId, request, report), ct);

    /// <summary>
    /// Uplift is a small difference of two noisy rates: small trees with big leaves (scaled to the data) and a slow learning
    /// rate keep the arm models from fitting noise, which would swamp the difference (see decision 020).
    /// </summary>
    public static UpliftTrainingOptions OptionsFor(UpliftRequest request, int customers) =>
        new(Trainer: request.Trainer, Folds: request.Folds, NumberOfTrees: request.NumberOfTrees,
            NumberOfLeaves: 8, MinimumExampleCountPerLeaf: Math.Clamp(customers / 10, 50, 1_000), LearningRate: 0.05);

    public Task CancelAsync(int experimentId, CancellationToken ct = default) => jobs.CancelAsync(experimentId, ct);

    private async Task TrainAsync(int experimentId, UpliftRequest request, TrainingReport job)
    {
        var ct = job.Cancellation;
        job.Report(0.02, "Loading the experiment's customers");
        UpliftInput input;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            input = await UpliftDataLoader.LoadAsync(db, experimentId, request.TreatmentArm, request.Metric, ct);
        }

        var data = input.Dataset;
        var options = OptionsFor(request, data.Count);
        var steps = new (string Key, UpliftLearner Learner, double Weight)[]
        {
            (Learners.TLearner, UpliftLearner.TLearner, 0.25),
            (Learners.XLearner, UpliftLearner.XLearner, 0.4),
            (Learners.ClassTransformation, UpliftLearner.ClassTransformation, 0.12),
        };
        var done = 0.1;
        job.Report(done, "Purchase propensity (who buys anyway)");
        ct.ThrowIfCancellationRequested();
        var propensity = UpliftTrainer.CrossFitPropensity(data, options).Scores;
        done += 0.13;

        var scores = new Dictionary<string, double[]>();
        var learners = new List<LearnerResult>();
        foreach (var (key, learner, weight) in steps)
        {
            ct.ThrowIfCancellationRequested();
            job.Report(done, $"Training the {Learners.Label(key)} on {Plural.Of(data.Count, "customer")} ({options.Folds}-fold cross-fitting)");
            var watch = Stopwatch.StartNew();
            var fitted = UpliftTrainer.CrossFit(data, options with { Learner = learner });
            watch.Stop();
            scores[key] = fitted.Scores;
            learners.Add(new LearnerResult(key, Learners.Label(key), UpliftEvaluation.Curves(fitted.Scores, data.Treated, data.Outcome),
                UpliftEvaluation.Deciles(fitted.Scores, data.Treated, data.Outcome), watch.Elapsed.TotalSeconds));
            done += weight;
        }

        job.Report(0.95, "Saving the scores");
        var best = learners.Where(l => double.IsFinite(l.Curves.QiniCoefficient)).MaxBy(l => l.Curves.QiniCoefficient)?.Key ?? Learners.TLearner;
        await store.SaveAsync(new UpliftResult
        {
            ExperimentId = experimentId,
            TrainedAt = clock.GetUtcNow().UtcDateTime,
            Request = request,
            OutcomeLabel = input.OutcomeLabel,
            TreatmentLabel = input.TreatmentLabel,
            ControlLabel = input.ControlLabel,
            FeatureNames = data.FeatureNames,
            Learners = learners,
            BestLearner = best,
            AssignmentIds = input.AssignmentIds,
            CustomerIds = input.CustomerIds,
            Treated = data.Treated,
            Outcome = data.Outcome,
            Scores = scores,
            Propensity = propensity,
            Groups = input.Groups,
        }, CancellationToken.None);
    }
}
