using CampaignStudio.Data.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Data;

public static class DependencyInjection
{
    /// <summary>Registers the <see cref="AppDbContext"/> factory for the configured provider.</summary>
    public static IServiceCollection AddStudioData(this IServiceCollection services, string contentRoot)
    {
        // Resolved lazily: test hosts and the move tool change configuration after registration.
        services.AddSingleton(sp => ReadOptions(sp.GetRequiredService<IConfiguration>(), contentRoot));
        services.AddDbContextFactory<AppDbContext>((sp, db) => Configure(db, sp.GetRequiredService<DatabaseOptions>()));
        services.AddSingleton<Settings.SenderIdentityStore>();
        services.AddSingleton<Settings.DkimKeyStore>();
        services.AddSingleton<Settings.AutomaticPauseStore>();
        services.AddSingleton<Settings.SendingRulesStore>();
        services.AddSingleton<Settings.BrandStore>();
        services.AddSingleton(sp => new Consent.AddressSuppression(sp.GetRequiredService<IDbContextFactory<AppDbContext>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IConfiguration>()["Privacy:SuppressionKey"]));
        services.AddSingleton<Consent.ConsentLedger>();
        services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection(Domain.Bounces.BouncePolicy.Section).Get<Domain.Bounces.BouncePolicy>()
            ?? new Domain.Bounces.BouncePolicy());
        services.AddSingleton<Bounces.BounceLedger>();
        services.AddSingleton<Bounces.BounceSuppressions>();
        services.AddSingleton<Consent.ConfirmationRequests>();
        services.AddSingleton<Privacy.CustomerPrivacy>();
        services.AddSingleton<Cluster.ClusterLeases>();
        services.AddSingleton<Cluster.JobClaims>();
        return services;
    }

    public static DatabaseOptions ReadOptions(IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        options.DataFolder = Path.GetFullPath(Path.Combine(contentRoot, options.DataFolder));
        Directory.CreateDirectory(options.DataFolder);
        options.ConnectionString ??= configuration.GetConnectionString("Studio");
        if (options.IsSqlite && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            options.ConnectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(options.DataFolder, "campaignstudio.db"),
                Pooling = true,
            }.ToString();
        }

        return options;
    }

    public const string PostgresMigrationsAssembly = "CampaignStudio.Data.Postgres";

    /// <summary>
    /// The studio's connections run with PostgreSQL's JIT compiler off (<c>Options=-c jit=off</c>), so self-hosters get it
    /// without touching postgresql.conf. Our expensive queries are short counts over ~100,000 index probes, which the
    /// planner's cost puts above the JIT thresholds: compiling them took 100–800 ms, more than it saved (decision 033).
    /// A connection string that already sets jit keeps its choice.
    /// </summary>
    public static string WithoutJit(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) == true)
        {
            return connectionString;
        }

        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c jit=off" : builder.Options + " -c jit=off";
        return builder.ConnectionString;
    }

    public static void Configure(DbContextOptionsBuilder db, DatabaseOptions options)
    {
        if (options.IsSqlite)
        {
            db.UseSqlite(options.ConnectionString, sqlite => sqlite.CommandTimeout(120))
              .AddInterceptors(new SqlitePragmas());
        }
        else if (string.Equals(options.Provider, DatabaseProviders.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            // The PostgreSQL migrations live in their own assembly (EF Core's advice: one migrations assembly per provider).
            db.UseNpgsql(options.ConnectionString is null ? null : WithoutJit(options.ConnectionString), pg => pg.CommandTimeout(120).MigrationsAssembly(PostgresMigrationsAssembly));
        }
        else
        {
            throw new InvalidOperationException($"Database:Provider '{options.Provider}' is not supported: use 'Sqlite' or 'Postgres'.");
        }
    }
}
