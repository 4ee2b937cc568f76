using CampaignStudio.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CampaignStudio.Bench;

/// <summary>The studio's own SQLite configuration (pragmas interceptor included) on a file of the benchmark's choosing.</summary>
public static class BenchDatabase
{
    public static IDbContextFactory<AppDbContext> Factory(string dbPath, params IInterceptor[] interceptors)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = true }.ToString();
        var options = new DatabaseOptions { DataFolder = Path.GetDirectoryName(dbPath)!, ConnectionString = connectionString };
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, options);
        if (interceptors.Length > 0)
        {
            builder.AddInterceptors(interceptors);
        }

        return new OptionsFactory(builder.Options);
    }

    /// <summary>The studio's PostgreSQL configuration on a connection string (the database is migrated by whoever created it).</summary>
    public static IDbContextFactory<AppDbContext> Postgres(string connectionString, params IInterceptor[] interceptors)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = connectionString });
        if (interceptors.Length > 0)
        {
            builder.AddInterceptors(interceptors);
        }

        return new OptionsFactory(builder.Options);
    }

    /// <summary>A fresh database through the real migrations, as the app creates it on first start.</summary>
    public static async Task<IDbContextFactory<AppDbContext>> CreateAsync(string dbPath, CancellationToken ct)
    {
        var factory = Factory(dbPath);
        await DatabaseMigrator.MigrateAsync(factory, ct);
        return factory;
    }

    private sealed class OptionsFactory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}
