using System.Data.Common;

namespace CampaignStudio.Data.Bulk;

/// <summary>
/// Inserts many rows through one prepared, parameterised statement inside the caller's transaction.
/// EF's change tracker is the right tool for a form; this is the right tool for a seed or a launch of a million rows.
/// </summary>
public sealed class BulkInserter : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly DbParameter[] _parameters;

    private BulkInserter(DbCommand command, DbParameter[] parameters)
    {
        _command = command;
        _parameters = parameters;
    }

    public static async Task<BulkInserter> CreateAsync(DbConnection connection, DbTransaction tx, string table, IReadOnlyList<string> columns,
        string? returning = null, CancellationToken ct = default, string? onConflict = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})"
            + (onConflict is null ? "" : " " + onConflict)
            + (returning is null ? "" : $" RETURNING \"{returning}\"");
        var parameters = columns.Select((_, i) =>
        {
            var p = command.CreateParameter();
            p.ParameterName = "@p" + i;
            p.Value = DBNull.Value;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        await command.PrepareAsync(ct);
        return new BulkInserter(command, parameters);
    }

    /// <summary>Inserts one row; values in column order. Returns the value of the RETURNING column, if any.</summary>
    public async Task<object?> InsertAsync(CancellationToken ct, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            _parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return await _command.ExecuteScalarAsync(ct);
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();
}
