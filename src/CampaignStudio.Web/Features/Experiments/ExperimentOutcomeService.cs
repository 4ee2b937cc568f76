using System.Data;
using CampaignStudio.Data;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// Measures a studio-run experiment from tracked data: for each assigned customer, the window starts at the send of the
/// experiment's e-mail (or at assignment for arms that get no message, so both sides are measured from the same moment)
/// and lasts the attribution window. Clicked = the e-mail was clicked; Converted/Revenue = purchases in the window;
/// Visited = a visit event or a click in the window; PrePeriodValue = spend in the 90 days before the window (for CUPED).
/// </summary>
public sealed class ExperimentOutcomeService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user)
{
    private const int PrePeriodDays = 90;

    /// <summary>Fills the outcomes of every customer of the experiment; returns the number of assignments updated.</summary>
    public async Task<int> FillAsync(int experimentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new ArgumentException("Unknown experiment.");
        if (experiment.Source == ExperimentSource.Imported)
        {
            throw new ArgumentException("An imported experiment's outcomes come from its file.");
        }

        var window = TimeSpan.FromDays(experiment.AttributionWindowDays);
        var assignments = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId && a.CustomerId != null)
            .Select(a => new { a.Id, CustomerId = a.CustomerId!.Value, a.AssignedAt }).ToListAsync(ct);
        if (assignments.Count == 0)
        {
            return 0;
        }

        var campaigns = db.Campaigns.Where(c => c.ExperimentId == experimentId).Select(c => c.Id);
        var sends = (await db.Messages.AsNoTracking().Where(m => campaigns.Contains(m.CampaignId) && m.SentAt != null)
                .Select(m => new { m.CustomerId, SentAt = m.SentAt!.Value, m.ClickedAt }).ToListAsync(ct))
            .GroupBy(m => m.CustomerId).ToDictionary(g => g.Key, g => (SentAt: g.Min(m => m.SentAt), Clicked: g.Any(m => m.ClickedAt != null)));

        var from = assignments.Min(a => a.AssignedAt) - TimeSpan.FromDays(PrePeriodDays);
        var to = assignments.Max(a => sends.TryGetValue(a.CustomerId, out var s) && s.SentAt > a.AssignedAt ? s.SentAt : a.AssignedAt) + window;
        var purchases = (await db.Purchases.AsNoTracking().Where(p => db.Assignments.Any(a => a.ExperimentId == experimentId && a.CustomerId == p.CustomerId) && p.PurchasedAt >= from && p.PurchasedAt < to)
                .Select(p => new { p.CustomerId, p.PurchasedAt, p.Amount }).ToListAsync(ct))
            .ToLookup(p => p.CustomerId);
        var visits = (await db.CustomerEvents.AsNoTracking().Where(e => e.Type == EventTypes.Visit && db.Assignments.Any(a => a.ExperimentId == experimentId && a.CustomerId == e.CustomerId) && e.OccurredAt >= from && e.OccurredAt < to)
                .Select(e => new { e.CustomerId, e.OccurredAt }).ToListAsync(ct))
            .ToLookup(e => e.CustomerId, e => e.OccurredAt);

        var money = MoneyParameters.For(db.Database);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = tx.GetDbTransaction();
        command.CommandText = "UPDATE \"Assignments\" SET \"Visited\" = @visited, \"Clicked\" = @clicked, \"Converted\" = @converted, \"Revenue\" = @revenue, \"PrePeriodValue\" = @pre WHERE \"Id\" = @id";
        // Typed before Prepare: PostgreSQL prepares against the parameters' types and refuses untyped ones.
        var parameters = new (string Name, DbType Type)[]
        {
            ("@visited", DbType.Boolean), ("@clicked", DbType.Boolean), ("@converted", DbType.Boolean),
            ("@revenue", money.Type), ("@pre", DbType.Double), ("@id", DbType.Int64),
        }.Select(x =>
        {
            var p = command.CreateParameter();
            p.ParameterName = x.Name;
            p.DbType = x.Type;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        await command.PrepareAsync(ct);
        foreach (var a in assignments)
        {
            var sent = sends.TryGetValue(a.CustomerId, out var s) ? s : default;
            var start = sent.SentAt > a.AssignedAt ? sent.SentAt : a.AssignedAt;
            var end = start + window;
            var bought = purchases[a.CustomerId].Where(p => p.PurchasedAt >= start && p.PurchasedAt < end).ToList();
            var revenue = bought.Sum(p => p.Amount);
            var pre = purchases[a.CustomerId].Where(p => p.PurchasedAt >= start.AddDays(-PrePeriodDays) && p.PurchasedAt < start).Sum(p => (double)p.Amount);
            var visited = sent.Clicked || visits[a.CustomerId].Any(t => t >= start && t < end) || bought.Count > 0;
            parameters[0].Value = visited;
            parameters[1].Value = sent.Clicked;
            parameters[2].Value = bought.Count > 0;
            parameters[3].Value = money.Value(revenue);
            parameters[4].Value = pre;
            parameters[5].Value = a.Id;
            await command.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return assignments.Count;
    }
}
