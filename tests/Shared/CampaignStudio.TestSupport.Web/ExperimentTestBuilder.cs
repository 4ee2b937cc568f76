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
    /// What a trained offer policy leaves for the flows: experiment "Cart offers" (no message, "10 % off") and the given
    /// customers' predicted gains from 10 % off, stored as a training stores them (one customer of its own when none is given,
    /// so the table is not empty). The ready-made abandoned-cart flow then carries the offer behind a split. Returns the ids.
    /// </summary>
    public Task<(int ExperimentId, int OfferId)> CartOfferGainsAsync(params (long CustomerId, double Gain)[] gains) => CartOfferGainsAsync("Cart offers", gains);

    /// <summary>The same, with the experiment named <paramref name="name"/>.</summary>
    public async Task<(int ExperimentId, int OfferId)> CartOfferGainsAsync(string name, params (long CustomerId, double Gain)[] gains)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = DateTime.UtcNow.Date;
        var experiment = new Experiment
        {
            Name = name, Status = ExperimentStatus.Finished, Source = ExperimentSource.Imported, AssignmentSalt = Guid.NewGuid().ToString("N"),
            CreatedBy = "test", CreatedAt = now, PrimaryMetric = PrimaryMetric.RevenuePerCustomer,
            Variants = [new Variant { Name = "No message", IsControl = true, SortOrder = 0 }, new Variant { Name = "10 % off", DiscountShare = 0.10, SortOrder = 1 }],
        };
        db.Experiments.Add(experiment);
        if (gains.Length == 0)
        {
            var customer = new Domain.Customers.Customer { CreatedAt = now, UpdatedAt = now };
            customer.SetEmail($"scored-{Guid.NewGuid():N}@example.com");
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            gains = [(customer.Id, 1.0)];
        }

        await db.SaveChangesAsync();
        var offer = experiment.Variants[1].Id;
        await Data.Experiments.PredictedOfferGains.ReplaceAsync(db, experiment.Id, trainingRunId: 0, gains.Select(g => new Data.Experiments.OfferGainRow(g.CustomerId, offer, g.Gain)),
            CancellationToken.None);
        return (experiment.Id, offer);
    }

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
