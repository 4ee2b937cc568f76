using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CampaignStudio.Bench;

/// <summary>Extra per-connection SQL for the import what-if runs, applied after the studio's own pragmas.</summary>
public sealed class ExtraPragmas(string sql) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
