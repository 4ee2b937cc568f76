using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>Healthy when the database answers a query, not merely when the process is up.</summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<AppDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var migrations = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            _ = await db.Settings.AsNoTracking().CountAsync(cancellationToken);
            return migrations.Any()
                ? HealthCheckResult.Degraded("The database has pending migrations.")
                : HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", ex);
        }
    }
}
