using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CampaignStudio.Bench;

/// <summary>
/// Records each SQL command EF sends (text, parameters, time from execute until the reader is disposed), so a grid
/// query's time can be split into its COUNT and its page, and the plans can be explained afterwards.
/// Single-threaded use only: the grid benchmark runs one query at a time.
/// </summary>
public sealed class CommandTimer : DbCommandInterceptor
{
    private readonly List<CapturedCommand> _commands = [];
    private long _started;
    private DbCommand? _current;

    public IReadOnlyList<CapturedCommand> Commands => _commands;

    public void Clear() => _commands.Clear();

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Start(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Start(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        if (ReferenceEquals(command, _current))
        {
            var parameters = command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value)).ToArray();
            _commands.Add(new CapturedCommand(command.CommandText, parameters, Stopwatch.GetElapsedTime(_started).TotalMilliseconds));
            _current = null;
        }

        return result;
    }

    private void Start(DbCommand command)
    {
        _current = command;
        _started = Stopwatch.GetTimestamp();
    }
}

public sealed record CapturedCommand(string Sql, (string Name, object? Value)[] Parameters, double Milliseconds);
