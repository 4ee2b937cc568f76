using CampaignStudio.Analytics.Offers;
using CampaignStudio.Data;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Wording;
using CampaignStudio.Training.Uplift;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Training.Offers;

/// <summary>Offer policies, one file per experiment (see <see cref="ResultFiles{TResult}"/>).</summary>
public sealed class OfferPolicyStore(DatabaseOptions database) : ResultFiles<OfferPolicyResult>(database, "offer-policy")
{
    protected override int ExperimentOf(OfferPolicyResult result) => result.ExperimentId;
}

/// <summary>
/// Trains "which offer for whom" in the background through the experiments' one training mechanism (<see cref="TrainingJobs{TJob}"/>):
/// the page and the API start a job, poll its state, and read the stored result when it is done.
/// </summary>
public sealed class OfferPolicyJobs(IDbContextFactory<AppDbContext> dbFactory, OfferPolicyStore store, GrossMarginStore margins, TimeProvider clock,
    TrainingJobs<OfferPolicyJobs> jobs) : ITrainingJob
{
    public static TrainingKind Kind => TrainingKind.Offers;

    /// <summary>The experiment's running or last run, as every instance sees it; null when none was started.</summary>
    public Task<TrainingProgress?> StatusAsync(int experimentId, CancellationToken ct = default) => jobs.StatusAsync(experimentId, ct);

    /// <summary>The experiment's last job, to await its end; null when none was started here.</summary>
    public Task? Completion(int experimentId) => jobs.Completion(experimentId);

    /// <summary>Starts training and returns its task; refused in words while a run for the experiment is queued or running on any instance.</summary>
    public Task<Task> StartAsync(int experimentId, CancellationToken ct = default) => jobs.StartAsync(experimentId, report => TrainAsync(experimentId, report), ct);

    /// <summary>
    /// Decision 042's trees (60 × 8 at rate 0.05, leaves of ≥ 200 customers); smaller experiments get smaller leaves, so each
    /// arm's model in each fold still has room for a few splits.
    /// </summary>
    public static OfferPolicyOptions OptionsFor(int customers, int arms) =>
        new(MinimumExampleCountPerLeaf: Math.Clamp(customers / (arms * 15), 20, 200));

    private async Task TrainAsync(int experimentId, TrainingReport job)
    {
        job.Report(0.05, "Loading the experiment's customers");
        OfferInput input;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            input = await OfferDataLoader.LoadAsync(db, experimentId, await margins.GetAsync(), CancellationToken.None);
        }

        var data = input.Data;
        job.Report(0.15,
            $"Learning the value of {Plural.Of(data.ArmCount, "offer")} for {Plural.Of(data.Count, "customer")} and checking the policy on customers the models did not see");
        var policy = await Task.Run(() => OfferPolicyTrainer.Train(data, OptionsFor(data.Count, data.ArmCount)));

        job.Report(0.95, "Saving the policy");
        await store.SaveAsync(OfferDataLoader.Result(input, policy, clock.GetUtcNow().UtcDateTime));
    }
}
