using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CampaignStudio.Data.Postgres;

/// <summary>
/// Used by <c>dotnet ef migrations add --project src/CampaignStudio.Data.Postgres</c> only: builds the model for Npgsql
/// with the same configuration the studio uses. No server is contacted to add a migration.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = "Host=localhost;Database=design_time" });
        return new AppDbContext(builder.Options);
    }
}
