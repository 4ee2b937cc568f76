using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CampaignStudio.Data;

/// <summary>
/// Sets the per-connection SQLite pragmas: a busy timeout so concurrent writers wait instead of failing,
/// and NORMAL sync, which is safe in WAL mode and much faster than FULL.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public const string Sql = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
