using CampaignStudio.Data;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.TestSupport.Web;

/// <summary>One arm of a built experiment: its customers, how many converted, and over how many days they were assigned.</summary>
public sealed record ArmRows(string Name, int Customers, int Converted, int Days = 1, double Weight = 1);

/// <summary>
/// Experiments with outcomes already recorded, written straight to the real database (rows name no studio customer, as
/// an imported file's do), for reading tests that need a given status and given counts.
/// </summary>
public sealed class ExperimentTestBuilder(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>
    /// A conversion experiment; the first arm is the control. Each arm's customers are spread evenly over its days from
    /// <paramref name="start"/>, converted ones spread evenly among them. Returns the experiment id.
    /// </summary>
    public async Task<int> RatesAsync(string name, ExperimentStatus status, DateTime start, params ArmRows[] arms)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var experiment = new Experiment
        {
            Name = name, Status = status, Source = ExperimentSource.Campaign, AssignmentSalt = Guid.NewGuid().ToString("N"), CreatedBy = "test",
            CreatedAt = start, StartedAt = start, EndedAt = status == ExperimentStatus.Finished ? start.AddDays(arms.Max(a => a.Days)) : null,
            PrimaryMetric = PrimaryMetric.Conversion,
            Variants = [.. arms.Select((a, i) => new Variant { Name = a.Name, IsControl = i == 0, Weight = a.Weight, SortOrder = i })],
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync();

        for (var arm = 0; arm < arms.Length; arm++)
        {
            var a = arms[arm];
            var variantId = experiment.Variants[arm].Id;
            db.Assignments.AddRange(Enumerable.Range(0, a.Customers).Select(i => new Assignment
            {
                ExperimentId = experiment.Id, VariantId = variantId,
                AssignedAt = start.AddDays((long)i * a.Days / a.Customers),
                Converted = a.Converted > 0 && i % (a.Customers / (double)a.Converted) < 1,
            }));
        }

        await db.SaveChangesAsync();
        return experiment.Id;
    }
}
