using CampaignStudio.Analytics.Offers;
using CampaignStudio.Data;
using CampaignStudio.Data.Experiments;
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

        job.Report(0.9, "Saving the policy");
        var result = OfferDataLoader.Result(input, policy, clock.GetUtcNow().UtcDateTime);
        await store.SaveAsync(result);

        job.Report(0.95, "Storing each customer's predicted gain per offer");
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            await WriteGainsAsync(db, result, job.RunId, CancellationToken.None);
        }
    }

    /// <summary>
    /// Replaces the experiment's per-customer predicted gains (<see cref="PredictedOfferGains"/>) with this run's: for every row
    /// that is a studio customer and every offer but the control arm, the out-of-fold expected value of the offer minus that of
    /// the control arm — both already net of the offers' discounts and costs. Returns the rows written.
    /// </summary>
    public static async Task<int> WriteGainsAsync(AppDbContext db, OfferPolicyResult result, long trainingRunId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(result);
        var variantOf = await db.Variants.AsNoTracking().Where(v => v.ExperimentId == result.ExperimentId).ToDictionaryAsync(v => v.Name, v => v.Id, StringComparer.Ordinal, ct);
        var customerOf = await PredictedOfferGains.CustomerOfRowAsync(db, result.ExperimentId, ct);
        var offers = Enumerable.Range(0, result.ArmNames.Count).Where(a => a != result.ControlArm && variantOf.ContainsKey(result.ArmNames[a]))
            .Select(a => (Arm: a, VariantId: variantOf[result.ArmNames[a]])).ToList();

        IEnumerable<OfferGainRow> Rows()
        {
            var seen = new HashSet<long>();
            for (var i = 0; i < result.Count; i++)
            {
                // A customer who is two rows (imported twice under one id) keeps the first row's prediction.
                if (!customerOf.TryGetValue(result.AssignmentIds[i], out var customerId) || !seen.Add(customerId))
                {
                    continue;
                }

                var values = result.ExpectedValues[i];
                foreach (var (arm, variantId) in offers)
                {
                    var gain = values[arm] - values[result.ControlArm];
                    if (double.IsFinite(gain))
                    {
                        yield return new OfferGainRow(customerId, variantId, gain);
                    }
                }
            }
        }

        return await PredictedOfferGains.ReplaceAsync(db, result.ExperimentId, trainingRunId, Rows(), ct);
    }
}
