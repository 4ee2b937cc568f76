namespace CampaignStudio.Data;

/// <summary>Which database the studio runs on. SQLite for one machine; PostgreSQL for several instances.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    public string Provider { get; set; } = DatabaseProviders.Sqlite;

    /// <summary>Connection string; for SQLite defaults to a file under the data folder.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Folder for the SQLite file, uploaded imports and the pickup outbox.</summary>
    public string DataFolder { get; set; } = "data";

    public bool IsSqlite => string.Equals(Provider, DatabaseProviders.Sqlite, StringComparison.OrdinalIgnoreCase);
}

public static class DatabaseProviders
{
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";
}
