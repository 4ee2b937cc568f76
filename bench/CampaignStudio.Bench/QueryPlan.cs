using Microsoft.Data.Sqlite;

namespace CampaignStudio.Bench;

/// <summary>SQLite's plan for a captured EF command, so RESULTS.md shows which index each timed query used.</summary>
public static class QueryPlan
{
    public static async Task<string> ExplainAsync(string dbPath, CapturedCommand command, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + command.Sql;
        foreach (var (name, value) in command.Parameters)
        {
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var steps = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            steps.Add(reader.GetString(3));
        }

        return string.Join("; ", steps);
    }
}
