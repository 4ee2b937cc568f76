using System.Data.Common;
using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CampaignStudio.Flows.Tests.Support;

/// <summary>Counts every command EF sends (reads and writes), keeping its first line.</summary>
public sealed class CommandCounter : DbCommandInterceptor
{
    public List<string> Commands { get; } = [];

    /// <summary>The commands' whole texts, for a test that asks which tables were read.</summary>
    public List<string> Texts { get; } = [];

    private void Count(DbCommand command)
    {
        lock (Commands)
        {
            Commands.Add(command.CommandText.Split('\n')[0].Trim());
            Texts.Add(command.CommandText);
        }
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Count(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return ValueTask.FromResult(result);
    }
}

/// <summary>The studio's own context configuration (provider, pragmas) with the counter added.</summary>
public sealed class CountingDbFactory : IDbContextFactory<AppDbContext>
{
    private readonly DbContextOptions<AppDbContext> _options;

    public CountingDbFactory(DatabaseOptions database, CommandCounter counter)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        CampaignStudio.Data.DependencyInjection.Configure(builder, database);
        _options = builder.AddInterceptors(counter).Options;
    }

    public AppDbContext CreateDbContext() => new(_options);
}
