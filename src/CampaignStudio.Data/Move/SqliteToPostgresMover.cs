using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace CampaignStudio.Data.Move;

/// <summary>One table's row count in the SQLite studio and, after the move, in PostgreSQL.</summary>
public sealed record MovedTable(string Table, long SourceRows, long TargetRows)
{
    public bool Matches => SourceRows == TargetRows;
}

/// <summary>
/// Copies a SQLite studio into an empty PostgreSQL database: migrates the target, copies every table of the model
/// (identity, consent log, settings, Data Protection keys, everything marketers built) parents before children with
/// PostgreSQL's binary COPY, keeps the ids, moves each identity sequence past the highest copied id, and compares the row
/// counts table by table. Values are converted by the target model's column types, so SQLite's text dates and REAL money
/// arrive as <c>timestamp with time zone</c> and <c>numeric</c>.
/// </summary>
public sealed class SqliteToPostgresMover(DatabaseOptions source, string targetConnectionString)
{
    public async Task<IReadOnlyList<MovedTable>> MoveAsync(TextWriter? log = null, CancellationToken ct = default)
    {
        if (!source.IsSqlite)
        {
            throw new InvalidOperationException("The studio to move must be on SQLite (Database:Provider = Sqlite).");
        }

        var target = new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = targetConnectionString };
        await using var targetDb = Context(target);
        await using var sourceDb = Context(source);
        await DatabaseMigrator.MigrateAsync(new SingleFactory(source), ct);
        await DatabaseMigrator.MigrateAsync(new SingleFactory(target), ct);

        var tables = TablesInCopyOrder(targetDb.Model);
        await using var pg = new NpgsqlConnection(targetConnectionString);
        await pg.OpenAsync(ct);
        foreach (var table in tables)
        {
            if (await CountAsync(pg, table.Name, ct) > 0)
            {
                throw new InvalidOperationException($"The PostgreSQL database is not empty (table \"{table.Name}\" has rows): move into a new, empty database.");
            }
        }

        await using var sqlite = new SqliteConnection(source.ConnectionString);
        await sqlite.OpenAsync(ct);
        await using var tx = await pg.BeginTransactionAsync(ct);
        var moved = new List<MovedTable>();
        foreach (var table in tables)
        {
            var copied = await CopyTableAsync(sqlite, pg, table, ct);
            await ResetIdentityAsync(pg, table, ct);
            log?.WriteLine($"{table.Name,-28} {copied,12:N0} rows");
        }

        await tx.CommitAsync(ct);

        foreach (var table in tables)
        {
            moved.Add(new MovedTable(table.Name, await CountAsync(sqlite, table.Name, ct), await CountAsync(pg, table.Name, ct)));
        }

        return moved;
    }

    private static AppDbContext Context(DatabaseOptions options)
    {
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        DependencyInjection.Configure(builder, options);
        return new AppDbContext(builder.Options);
    }

    /// <summary>A table with the columns we write (generated columns are computed by PostgreSQL) and their store types.</summary>
    private sealed record Table(string Name, IReadOnlyList<Column> Columns, string? IdentityColumn);

    private sealed record Column(string Name, string StoreType, Type ProviderType);

    private static List<Table> TablesInCopyOrder(IModel model)
    {
        var byTable = model.GetEntityTypes().Where(t => t.GetTableName() is not null && !t.IsOwned()).GroupBy(t => t.GetTableName()!).ToList();
        var tables = new Dictionary<string, Table>(StringComparer.Ordinal);
        var parents = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var group in byTable)
        {
            var store = StoreObjectIdentifier.Table(group.Key, group.First().GetSchema());
            var columns = new Dictionary<string, Column>(StringComparer.Ordinal);
            string? identity = null;
            foreach (var property in group.SelectMany(t => t.GetProperties()))
            {
                var name = property.GetColumnName(store);
                if (name is null || property.GetComputedColumnSql(store) is not null || columns.ContainsKey(name))
                {
                    continue;
                }

                var mapping = property.GetRelationalTypeMapping();
                columns[name] = new Column(name, property.GetColumnType(store), mapping.Converter?.ProviderClrType ?? Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType);
                if (property.ValueGenerated == ValueGenerated.OnAdd && property.IsPrimaryKey() && mapping.Converter is null
                    && (property.ClrType == typeof(int) || property.ClrType == typeof(long)))
                {
                    identity = name;
                }
            }

            tables[group.Key] = new Table(group.Key, [.. columns.Values], identity);
            parents[group.Key] = [.. group.SelectMany(t => t.GetForeignKeys()).Select(fk => fk.PrincipalEntityType.GetTableName()!).Where(p => p != group.Key)];
        }

        // Parents before children, so every foreign key finds its row (a depth-first topological order).
        var ordered = new List<Table>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string name)
        {
            if (!done.Add(name))
            {
                return;
            }

            foreach (var parent in parents[name].Order(StringComparer.Ordinal))
            {
                Visit(parent);
            }

            ordered.Add(tables[name]);
        }

        foreach (var name in tables.Keys.Order(StringComparer.Ordinal))
        {
            Visit(name);
        }

        return ordered;
    }

    private static async Task<long> CopyTableAsync(SqliteConnection sqlite, NpgsqlConnection pg, Table table, CancellationToken ct)
    {
        var columns = string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""));
        await using var read = sqlite.CreateCommand();
        read.CommandText = $"SELECT {columns} FROM \"{table.Name}\"";
        await using var reader = await read.ExecuteReaderAsync(ct);
        await using var writer = await pg.BeginBinaryImportAsync($"COPY \"{table.Name}\" ({columns}) FROM STDIN (FORMAT BINARY)", ct);
        long rows = 0;
        while (await reader.ReadAsync(ct))
        {
            await writer.StartRowAsync(ct);
            for (var i = 0; i < table.Columns.Count; i++)
            {
                var column = table.Columns[i];
                if (await reader.IsDBNullAsync(i, ct))
                {
                    await writer.WriteNullAsync(ct);
                }
                else
                {
                    await writer.WriteAsync(Convert(reader, i, column.ProviderType), BaseType(column.StoreType), ct);
                }
            }

            rows++;
        }

        await writer.CompleteAsync(ct);
        return rows;
    }

    /// <summary>"character varying(256)" → "character varying": COPY wants the type name, not the length.</summary>
    private static string BaseType(string storeType) => storeType.Split('(')[0].Trim();

    /// <summary>SQLite hands back text, integers, reals and blobs; the target column wants the model's type.</summary>
    private static object Convert(DbDataReader reader, int i, Type type)
    {
        if (type == typeof(string))
        {
            return reader.GetString(i);
        }

        if (type == typeof(DateTime))
        {
            // EF Core writes DateTime to SQLite as "yyyy-MM-dd HH:mm:ss.FFFFFFF" without a zone; the studio only writes UTC.
            return DateTime.SpecifyKind(DateTime.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
        }

        if (type == typeof(DateTimeOffset))
        {
            return DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture).ToUniversalTime();
        }

        if (type == typeof(bool))
        {
            return reader.GetInt64(i) != 0;
        }

        if (type == typeof(Guid))
        {
            return reader.GetValue(i) is byte[] bytes ? new Guid(bytes) : Guid.Parse(reader.GetString(i));
        }

        if (type == typeof(byte[]))
        {
            return (byte[])reader.GetValue(i);
        }

        if (type == typeof(TimeSpan))
        {
            // SQLite keeps a TimeSpan as its invariant text ("1.00:00:00").
            return TimeSpan.Parse(reader.GetString(i), CultureInfo.InvariantCulture);
        }

        if (type == typeof(decimal))
        {
            // Money was REAL on SQLite: round to the 2 decimals it was entered with, not the binary fraction.
            return Math.Round(System.Convert.ToDecimal(reader.GetValue(i), CultureInfo.InvariantCulture), 6);
        }

        return System.Convert.ChangeType(reader.GetValue(i), type, CultureInfo.InvariantCulture);
    }

    private static async Task ResetIdentityAsync(NpgsqlConnection pg, Table table, CancellationToken ct)
    {
        if (table.IdentityColumn is null)
        {
            return;
        }

        // Copied rows kept their ids; without this the next insert would be handed id 1 again.
        await using var cmd = pg.CreateCommand();
        cmd.CommandText = $"""
            SELECT setval(pg_get_serial_sequence('"{table.Name}"', '{table.IdentityColumn}'), COALESCE(MAX("{table.IdentityColumn}"), 0) + 1, false)
            FROM "{table.Name}"
            """;
        await cmd.ExecuteScalarAsync(ct);
    }

    private static async Task<long> CountAsync(DbConnection connection, string table, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return System.Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private sealed class SingleFactory(DatabaseOptions options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => Context(options);
    }
}
