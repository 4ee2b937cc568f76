using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Consent;
using SQLitePCL;

namespace CampaignStudio.Data.Import;

/// <summary>
/// Writes parsed rows with prepared, parameterised upserts. <c>INSERT ... ON CONFLICT</c> is understood by SQLite and
/// PostgreSQL alike; the only dialect difference is how custom-attribute JSON is merged.
/// </summary>
internal sealed class BatchWriter
{
    private readonly DbConnection _connection;
    private readonly bool _sqlite;
    private readonly ImportMapping _mapping;
    private readonly RowParser _parser;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, long> _customerIds = new(StringComparer.Ordinal);
    private string? _customerSql;

    public BatchWriter(DbConnection connection, bool sqlite, ImportMapping mapping, RowParser parser, TimeProvider clock)
    {
        _connection = connection;
        _sqlite = sqlite;
        _mapping = mapping;
        _parser = parser;
        _clock = clock;
    }

    private bool MatchOnEmail => _mapping.MatchOn != ImportFields.ExternalId;

    private string KeyColumn => MatchOnEmail ? "\"Email\"" : "\"ExternalId\"";

    public async Task<(long Inserted, long Updated)> WriteAsync(CsvImporter.Batch batch, DbTransaction tx, CancellationToken ct)
    {
        if (batch.Customers.Count > 0)
        {
            return await WriteCustomersAsync(batch, tx, ct);
        }

        if (batch.Purchases.Count > 0)
        {
            return await WritePurchasesAsync(batch, tx, ct);
        }

        if (batch.Events.Count > 0)
        {
            return await WriteEventsAsync(batch, tx, ct);
        }

        if (batch.Products.Count > 0)
        {
            return await WriteProductsAsync(batch, tx, ct);
        }

        return (0, 0);
    }

    private async Task<(long, long)> WriteCustomersAsync(CsvImporter.Batch batch, DbTransaction tx, CancellationToken ct)
    {
        var maxId = await MaxIdAsync("Customers", tx, ct);
        if (_sqlite && await TryMergeCustomersAsync(batch, maxId, tx, ct) is { } merged)
        {
            return merged;
        }

        await using var cmd = Command(tx, _customerSql ??= CustomerUpsertSql());
        var p = CustomerParameters(cmd);
        await cmd.PrepareAsync(ct);
        var now = _clock.GetUtcNow().UtcDateTime;
        var counter = new UpsertCounter(maxId);
        foreach (var row in batch.Customers)
        {
            SetCustomer(p, row, now);
            var errorsBefore = batch.Errors.Count;
            var id = await ExecuteRowAsync(cmd, tx, row.Line, batch, ct);
            if (id is null && batch.Errors.Count == errorsBefore)
            {
                // The upsert's WHERE kept the customer as it was: the merged attributes would pass the cap.
                batch.Errors.Add(new ImportError(row.Line,
                    $"the customer would have more than {Limits.AttributesPerCustomer} custom attributes with this row's (a customer keeps at most {Limits.AttributesPerCustomer} custom attributes); nothing of the row was saved", null));
            }

            counter.Add(id);
        }

        return counter.Result;
    }

    /// <summary>
    /// SQLite's fast path (issue 17): the batch goes into an in-memory staging table with plain inserts (bound by position on
    /// SQLite's own API, see <see cref="Stage"/>), then into
    /// "Customers" with one <c>INSERT … SELECT … ORDER BY</c> upsert — the work SQLite's own CLI does for <c>.import</c>, in key
    /// order, without a statement and a RETURNING row per customer. SQLite applies the rows of one upsert one after another, so
    /// a key repeated in the batch ("last wins") merges exactly as row by row. Null when the batch must go row by row to
    /// report a row: a constraint the merge would break (an external id owned by another customer) or a customer whose
    /// custom attributes could pass the cap; the savepoint leaves nothing of the attempt behind.
    /// </summary>
    private async Task<(long, long)?> TryMergeCustomersAsync(CsvImporter.Batch batch, long maxId, DbTransaction tx, CancellationToken ct)
    {
        await using (var create = Command(tx, """
            CREATE TEMP TABLE IF NOT EXISTS "ImportCustomers" ("Seq" INTEGER PRIMARY KEY, "ExternalId", "Email", "FirstName", "LastName",
                "FirstNameKey", "LastNameKey", "Country", "City", "BirthYear", "AgeBand", "Gender", "CreatedAt", "UpdatedAt", "AttributesJson",
                "EmailConsent", "IsErased");
            DELETE FROM temp."ImportCustomers";
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        Stage(batch.Customers);

        if (_mapping.Columns.Count(c => c.Target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal)) > Limits.AttributesPerCustomer)
        {
            return null;
        }

        await tx.SaveAsync("merge", ct);
        try
        {
            // The upsert's WHERE keeps a customer whose attributes would pass the cap as they were; SQLite then counts no
            // change for that row. Fewer changes than staged rows: undo and go row by row, which names the row.
            await using var merge = Command(tx, CustomerUpsertSql(fromStaging: true));
            if (await merge.ExecuteNonQueryAsync(ct) != batch.Customers.Count)
            {
                await tx.RollbackAsync("merge", ct);
                return null;
            }

            await tx.ReleaseAsync("merge", ct);
        }
        catch (DbException ex) when (IsConstraintViolation(ex))
        {
            await tx.RollbackAsync("merge", ct);
            return null;
        }

        await using var count = Command(tx, $"SELECT COUNT(*) FROM \"Customers\" WHERE \"Id\" > {maxId}");
        var inserted = Convert.ToInt64(await count.ExecuteScalarAsync(ct));
        return (inserted, batch.Customers.Count - inserted);
    }

    /// <summary>
    /// Fills the staging table through SQLite's own statement API, each value bound by position: the driver's
    /// <see cref="DbCommand"/> looks every parameter up by name and converts it on each execution, which cost more than the
    /// insert itself (measured: ~14 µs a row through the driver). The values are written as the driver writes them (dates
    /// as its text, booleans as 0/1), so the staged merge stores what the row path stores.
    /// </summary>
    private void Stage(IEnumerable<CustomerRow> rows)
    {
        var db = ((Microsoft.Data.Sqlite.SqliteConnection)_connection).Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, """
            INSERT INTO temp."ImportCustomers" ("ExternalId", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country",
                "City", "BirthYear", "AgeBand", "Gender", "CreatedAt", "AttributesJson", "UpdatedAt", "EmailConsent", "IsErased")
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0)
            """, out var stmt));
        using (stmt)
        {
            var now = SqliteText(_clock.GetUtcNow().UtcDateTime);
            Check(db, raw.sqlite3_bind_text(stmt, 14, now));
            Check(db, raw.sqlite3_bind_text(stmt, 15, nameof(ConsentStatus.Unknown)));
            foreach (var row in rows)
            {
                Text(stmt, 1, row.ExternalId);
                Text(stmt, 2, row.Email);
                Text(stmt, 3, row.FirstName);
                Text(stmt, 4, row.LastName);
                Text(stmt, 5, row.FirstNameKey);
                Text(stmt, 6, row.LastNameKey);
                Text(stmt, 7, row.Country);
                Text(stmt, 8, row.City);
                if (row.BirthYear is { } year)
                {
                    raw.sqlite3_bind_int64(stmt, 9, year);
                }
                else
                {
                    raw.sqlite3_bind_null(stmt, 9);
                }

                Text(stmt, 10, row.AgeBand);
                Text(stmt, 11, row.Gender);
                Text(stmt, 12, row.CreatedAt is { } created ? SqliteText(created) : now);
                Text(stmt, 13, row.AttributesJson);
                var rc = raw.sqlite3_step(stmt);
                raw.sqlite3_reset(stmt);
                if (rc != raw.SQLITE_DONE)
                {
                    Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, db);
                }
            }
        }

        static void Text(sqlite3_stmt stmt, int index, string? value)
        {
            if (value is null)
            {
                raw.sqlite3_bind_null(stmt, index);
            }
            else
            {
                raw.sqlite3_bind_text(stmt, index, value);
            }
        }

        static void Check(sqlite3 db, int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, db);
            }
        }
    }

    /// <summary>
    /// The length of the shortest JSON object with <paramref name="attributes"/> members (<c>{"":0,"":0}</c>: 4 characters a
    /// member, a comma between, the braces): a shorter text holds fewer.
    /// </summary>
    internal static int ShortestJsonWith(int attributes) => attributes <= 0 ? 0 : 5 * attributes + 1;

    /// <summary>A date as Microsoft.Data.Sqlite writes a bound <see cref="DateTime"/> (and EF Core reads it back).</summary>
    private static string SqliteText(DateTime value) => value.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static DbParameter[] CustomerParameters(DbCommand cmd) =>
        AddParameters(cmd, "ExternalId", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City",
            "BirthYear", "AgeBand", "Gender", "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "IsErased");

    private static void SetCustomer(DbParameter[] p, CustomerRow row, DateTime now)
    {
        Set(p[0], row.ExternalId);
        Set(p[1], row.Email);
        Set(p[2], row.FirstName);
        Set(p[3], row.LastName);
        Set(p[4], row.FirstNameKey);
        Set(p[5], row.LastNameKey);
        Set(p[6], row.Country);
        Set(p[7], row.City);
        Set(p[8], row.BirthYear);
        Set(p[9], row.AgeBand);
        Set(p[10], row.Gender);
        Set(p[11], row.CreatedAt ?? now);
        Set(p[12], now);
        Set(p[13], row.AttributesJson);
        Set(p[14], nameof(ConsentStatus.Unknown));
        Set(p[15], false);
    }

    private string CustomerUpsertSql(bool fromStaging = false)
    {
        var set = new List<string>();
        void Keep(string field, params string[] columns)
        {
            if (_parser.Maps(field))
            {
                set.AddRange(columns.Select(c => $"\"{c}\" = COALESCE(excluded.\"{c}\", \"Customers\".\"{c}\")"));
            }
        }

        // The key column is left out: it already holds the key (setting it again would rewrite the unique index's entry).
        if (MatchOnEmail)
        {
            Keep(ImportFields.ExternalId, "ExternalId");
        }
        else
        {
            Keep(ImportFields.Email, "Email");
        }

        Keep(ImportFields.FirstName, "FirstName", "FirstNameKey");
        Keep(ImportFields.LastName, "LastName", "LastNameKey");
        if (!_parser.Maps(ImportFields.FirstName))
        {
            Keep(ImportFields.FullName, "FirstName", "FirstNameKey");
        }

        if (!_parser.Maps(ImportFields.LastName))
        {
            Keep(ImportFields.FullName, "LastName", "LastNameKey");
        }

        Keep(ImportFields.Country, "Country");
        Keep(ImportFields.City, "City");
        Keep(ImportFields.BirthYear, "BirthYear");
        Keep(ImportFields.AgeBand, "AgeBand");
        Keep(ImportFields.Gender, "Gender");
        if (_parser.Maps(ImportFields.CreatedAt))
        {
            set.Add("\"CreatedAt\" = excluded.\"CreatedAt\"");
        }

        if (_mapping.Columns.Any(c => c.Target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal)))
        {
            set.Add(_sqlite
                ? "\"AttributesJson\" = CASE WHEN excluded.\"AttributesJson\" IS NULL THEN \"Customers\".\"AttributesJson\" ELSE json_patch(COALESCE(\"Customers\".\"AttributesJson\", '{}'), excluded.\"AttributesJson\") END"
                : "\"AttributesJson\" = CASE WHEN excluded.\"AttributesJson\" IS NULL THEN \"Customers\".\"AttributesJson\" ELSE (COALESCE(\"Customers\".\"AttributesJson\", '{}')::jsonb || excluded.\"AttributesJson\"::jsonb)::text END");
        }

        set.Add("\"UpdatedAt\" = excluded.\"UpdatedAt\"");

        // The cap on custom attributes holds for what the customer has after the merge, not only for the row. On SQLite a
        // customer whose JSON is too short to hold more than (cap - mapped) attributes cannot pass it: no JSON is read for them.
        var mappedAttributes = _mapping.Columns.Where(c => c.Target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal)).Select(c => c.Target).Distinct().Count();
        var capAttributes = mappedAttributes > 0
            ? _sqlite
                ? $"WHERE excluded.\"AttributesJson\" IS NULL OR length(\"Customers\".\"AttributesJson\") < {ShortestJsonWith(Limits.AttributesPerCustomer - mappedAttributes + 1)} OR (SELECT COUNT(*) FROM json_each(json_patch(COALESCE(\"Customers\".\"AttributesJson\", '{{}}'), excluded.\"AttributesJson\"))) <= {Limits.AttributesPerCustomer}"
                : $"WHERE excluded.\"AttributesJson\" IS NULL OR (SELECT COUNT(*) FROM jsonb_object_keys(COALESCE(\"Customers\".\"AttributesJson\", '{{}}')::jsonb || excluded.\"AttributesJson\"::jsonb)) <= {Limits.AttributesPerCustomer}"
            : "";
        const string columns = """
            "ExternalId", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City",
                "BirthYear", "AgeBand", "Gender", "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "IsErased"
            """;

        // "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
        return fromStaging
            ? $"""
                INSERT INTO "Customers" ({columns})
                SELECT {columns} FROM temp."ImportCustomers" WHERE true ORDER BY "Seq"
                ON CONFLICT ({KeyColumn}) DO UPDATE SET {string.Join(", ", set)}
                {capAttributes}
                """
            : $"""
                INSERT INTO "Customers" ({columns})
                VALUES (@ExternalId, @Email, @FirstName, @LastName, @FirstNameKey, @LastNameKey, @Country, @City,
                    @BirthYear, @AgeBand, @Gender, @CreatedAt, @UpdatedAt, @AttributesJson, @EmailConsent, @IsErased)
                ON CONFLICT ({KeyColumn}) DO UPDATE SET {string.Join(", ", set)}
                {capAttributes}
                RETURNING "Id"
                """;
    }

    private async Task<(long, long)> WritePurchasesAsync(CsvImporter.Batch batch, DbTransaction tx, CancellationToken ct)
    {
        await ResolveCustomersAsync(batch.Purchases.Select(r => r.CustomerKey), tx, ct);
        var maxId = await MaxIdAsync("Purchases", tx, ct);
        await using var cmd = Command(tx, """
            INSERT INTO "Purchases" ("CustomerId", "OrderId", "Amount", "Currency", "Category", "Product", "PurchasedAt", "SourceKey")
            VALUES (@CustomerId, @OrderId, @Amount, @Currency,
                COALESCE(@Category, (SELECT pr."Category" FROM "Products" AS pr WHERE pr."ExternalId" = @Product)), @Product, @PurchasedAt, @SourceKey)
            ON CONFLICT ("CustomerId", "SourceKey") DO UPDATE SET "Amount" = excluded."Amount", "Currency" = excluded."Currency",
                "Category" = excluded."Category", "Product" = excluded."Product", "PurchasedAt" = excluded."PurchasedAt", "OrderId" = excluded."OrderId"
            RETURNING "Id"
            """);
        var p = AddParameters(cmd, "CustomerId", "OrderId", "Amount", "Currency", "Category", "Product", "PurchasedAt", "SourceKey");
        await cmd.PrepareAsync(ct);
        var counter = new UpsertCounter(maxId);
        foreach (var row in batch.Purchases)
        {
            Set(p[0], _customerIds[row.CustomerKey]);
            Set(p[1], row.OrderId);
            Set(p[2], _sqlite ? (object)(double)row.Amount : row.Amount);
            Set(p[3], row.Currency ?? "EUR");
            Set(p[4], row.Category);
            Set(p[5], row.Product);
            Set(p[6], row.PurchasedAt);
            Set(p[7], row.SourceKey);
            counter.Add(await ExecuteRowAsync(cmd, tx, row.Line, batch, ct));
        }

        return counter.Result;
    }

    private async Task<(long, long)> WriteEventsAsync(CsvImporter.Batch batch, DbTransaction tx, CancellationToken ct)
    {
        await ResolveCustomersAsync(batch.Events.Select(r => r.CustomerKey), tx, ct);
        await using var cmd = Command(tx, """
            INSERT INTO "CustomerEvents" ("CustomerId", "Type", "OccurredAt", "PropertiesJson", "SourceKey")
            VALUES (@CustomerId, @Type, @OccurredAt, @PropertiesJson, @SourceKey)
            ON CONFLICT ("CustomerId", "SourceKey") DO NOTHING
            RETURNING "Id"
            """);
        var p = AddParameters(cmd, "CustomerId", "Type", "OccurredAt", "PropertiesJson", "SourceKey");
        await cmd.PrepareAsync(ct);
        long inserted = 0, present = 0;
        foreach (var row in batch.Events)
        {
            Set(p[0], _customerIds[row.CustomerKey]);
            Set(p[1], row.Type);
            Set(p[2], row.OccurredAt);
            Set(p[3], row.PropertiesJson);
            Set(p[4], row.SourceKey);
            var before = batch.Errors.Count;
            var id = await ExecuteRowAsync(cmd, tx, row.Line, batch, ct);
            row.Stored = id is not null;
            if (id is not null)
            {
                inserted++;
            }
            else if (batch.Errors.Count == before)
            {
                present++;
            }
        }

        return (inserted, present);
    }

    /// <summary>
    /// Upserts catalogue rows by the shop's product id. Mapped columns replace what is stored (an empty cell clears it: the
    /// file is the catalogue, so a sale that ended shows as an empty sale price); columns not mapped keep their values. An
    /// empty "in stock" keeps the stored value (a new product is in stock). Custom attributes merge as for customers, with
    /// the same cap on the merged count.
    /// </summary>
    private async Task<(long, long)> WriteProductsAsync(CsvImporter.Batch batch, DbTransaction tx, CancellationToken ct)
    {
        var maxId = await MaxIdAsync("Products", tx, ct);
        var set = new List<string> { "\"Name\" = excluded.\"Name\"", "\"NameKey\" = excluded.\"NameKey\"" };
        void Replace(string field, string column)
        {
            if (_parser.Maps(field))
            {
                set.Add($"\"{column}\" = excluded.\"{column}\"");
            }
        }

        Replace(ImportFields.ProductUrl, "Url");
        Replace(ImportFields.ImageUrl, "ImageUrl");
        Replace(ImportFields.Price, "Price");
        Replace(ImportFields.SalePrice, "SalePrice");
        Replace(ImportFields.Currency, "Currency");
        Replace(ImportFields.Category, "Category");
        Replace(ImportFields.Brand, "Brand");
        set.Add("\"InStock\" = CASE WHEN @KeepStock THEN \"Products\".\"InStock\" ELSE excluded.\"InStock\" END");
        var hasAttributes = _mapping.Columns.Any(c => c.Target.StartsWith(ImportFields.AttributePrefix, StringComparison.Ordinal));
        if (hasAttributes)
        {
            set.Add(_sqlite
                ? "\"AttributesJson\" = CASE WHEN excluded.\"AttributesJson\" IS NULL THEN \"Products\".\"AttributesJson\" ELSE json_patch(COALESCE(\"Products\".\"AttributesJson\", '{}'), excluded.\"AttributesJson\") END"
                : "\"AttributesJson\" = CASE WHEN excluded.\"AttributesJson\" IS NULL THEN \"Products\".\"AttributesJson\" ELSE (COALESCE(\"Products\".\"AttributesJson\", '{}')::jsonb || excluded.\"AttributesJson\"::jsonb)::text END");
        }

        set.Add("\"UpdatedAt\" = excluded.\"UpdatedAt\"");
        var cap = !hasAttributes ? ""
            : _sqlite
                ? $"WHERE excluded.\"AttributesJson\" IS NULL OR (SELECT COUNT(*) FROM json_each(json_patch(COALESCE(\"Products\".\"AttributesJson\", '{{}}'), excluded.\"AttributesJson\"))) <= {Limits.AttributesPerProduct}"
                : $"WHERE excluded.\"AttributesJson\" IS NULL OR (SELECT COUNT(*) FROM jsonb_object_keys(COALESCE(\"Products\".\"AttributesJson\", '{{}}')::jsonb || excluded.\"AttributesJson\"::jsonb)) <= {Limits.AttributesPerProduct}";
        await using var cmd = Command(tx, $$"""
            INSERT INTO "Products" ("ExternalId", "Name", "NameKey", "Url", "ImageUrl", "Price", "SalePrice", "Currency", "Category", "Brand",
                "InStock", "AttributesJson", "CreatedAt", "UpdatedAt")
            VALUES (@ExternalId, @Name, @NameKey, @Url, @ImageUrl, @Price, @SalePrice, @Currency, @Category, @Brand,
                @InStock, @AttributesJson, @Now, @Now)
            ON CONFLICT ("ExternalId") DO UPDATE SET {{string.Join(", ", set)}}
            {{cap}}
            RETURNING "Id"
            """);
        var p = AddParameters(cmd, "ExternalId", "Name", "NameKey", "Url", "ImageUrl", "Price", "SalePrice", "Currency", "Category", "Brand",
            "InStock", "KeepStock", "AttributesJson", "Now");
        Set(p[13], _clock.GetUtcNow().UtcDateTime);
        await cmd.PrepareAsync(ct);
        var counter = new UpsertCounter(maxId);
        foreach (var row in batch.Products)
        {
            Set(p[0], row.ExternalId);
            Set(p[1], row.Name);
            Set(p[2], Domain.Products.Product.SearchKey(row.Name));
            Set(p[3], row.Url);
            Set(p[4], row.ImageUrl);
            Set(p[5], Money(row.Price));
            Set(p[6], Money(row.SalePrice));
            Set(p[7], row.Currency);
            Set(p[8], row.Category);
            Set(p[9], row.Brand);
            Set(p[10], row.InStock ?? true);
            Set(p[11], row.InStock is null);
            Set(p[12], row.Attributes is null ? null : JsonSerializer.Serialize(row.Attributes));
            var errorsBefore = batch.Errors.Count;
            var id = await ExecuteRowAsync(cmd, tx, row.Line, batch, ct);
            if (id is null && batch.Errors.Count == errorsBefore)
            {
                batch.Errors.Add(new ImportError(row.Line,
                    $"the product would have more than {Limits.AttributesPerProduct} custom attributes with this row's (a product keeps at most {Limits.AttributesPerProduct} custom attributes); nothing of the row was saved", null));
            }

            counter.Add(id);
        }

        await FillPurchaseCategoriesAsync(batch.Products.Where(p => p.Category is not null).Select(p => p.ExternalId), tx, ct);
        return counter.Result;
    }

    /// <summary>
    /// A purchase's category is its own, else its catalogue product's: purchases imported before their products (without a
    /// category of their own) take the catalogue's, so segment conditions, pick lists and cluster profiles — which all read
    /// the purchase's category — use the catalogue's categories. Through the (Product, CustomerId) index, per batch of ids.
    /// </summary>
    private async Task FillPurchaseCategoriesAsync(IEnumerable<string> productIds, DbTransaction tx, CancellationToken ct)
    {
        foreach (var chunk in productIds.Distinct().Chunk(500))
        {
            await using var update = Command(tx, $"""
                UPDATE "Purchases" SET "Category" = (SELECT pr."Category" FROM "Products" AS pr WHERE pr."ExternalId" = "Purchases"."Product")
                WHERE "Product" IN ({string.Join(", ", chunk.Select((_, i) => "@p" + i))}) AND "Category" IS NULL
                """);
            var parameters = AddParameters(update, [.. chunk.Select((_, i) => "p" + i)]);
            for (var i = 0; i < chunk.Length; i++)
            {
                Set(parameters[i], chunk[i]);
            }

            await update.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>SQLite keeps money as REAL (see AppDbContext); PostgreSQL as numeric.</summary>
    private object? Money(decimal? value) => value is { } v ? _sqlite ? (double)v : v : null;

    /// <summary>Finds the customer id for every key of the batch; customers not known yet are created with what the key says.</summary>
    private async Task ResolveCustomersAsync(IEnumerable<string> keys, DbTransaction tx, CancellationToken ct)
    {
        if (_customerIds.Count > 2_000_000)
        {
            _customerIds.Clear();
        }

        var missing = keys.Where(k => !_customerIds.ContainsKey(k)).Distinct().ToList();
        foreach (var chunk in missing.Chunk(500))
        {
            await using var find = Command(tx, $"SELECT \"Id\", {KeyColumn} FROM \"Customers\" WHERE {KeyColumn} IN ({string.Join(", ", chunk.Select((_, i) => "@k" + i))})");
            for (var i = 0; i < chunk.Length; i++)
            {
                var parameter = find.CreateParameter();
                parameter.ParameterName = "@k" + i;
                parameter.Value = chunk[i];
                find.Parameters.Add(parameter);
            }

            await using var reader = await find.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _customerIds[reader.GetString(1)] = reader.GetInt64(0);
            }
        }

        var toCreate = missing.Where(k => !_customerIds.ContainsKey(k)).ToList();
        if (toCreate.Count == 0)
        {
            return;
        }

        await using var create = Command(tx, $"""
            INSERT INTO "Customers" ({KeyColumn}, "CreatedAt", "UpdatedAt", "EmailConsent", "IsErased")
            VALUES (@Key, @Now, @Now, @Consent, @False)
            ON CONFLICT ({KeyColumn}) DO NOTHING
            RETURNING "Id"
            """);
        var p = AddParameters(create, "Key", "Now", "Consent", "False");
        Set(p[1], _clock.GetUtcNow().UtcDateTime);
        Set(p[2], nameof(ConsentStatus.Unknown));
        Set(p[3], false);
        await create.PrepareAsync(ct);
        foreach (var key in toCreate)
        {
            Set(p[0], key);
            _customerIds[key] = await create.ExecuteScalarAsync(ct) is { } id and not DBNull
                ? Convert.ToInt64(id)
                : await CreatedMeanwhileAsync(key, tx, ct);
        }
    }

    /// <summary>
    /// On PostgreSQL another request may create the same customer between the look-up and the insert (two retries of one
    /// event); the insert then waits for it and does nothing, and this reads the id it committed.
    /// </summary>
    private async Task<long> CreatedMeanwhileAsync(string key, DbTransaction tx, CancellationToken ct)
    {
        await using var find = Command(tx, $"SELECT \"Id\" FROM \"Customers\" WHERE {KeyColumn} = @Key");
        AddParameters(find, "Key")[0].Value = key;
        return Convert.ToInt64(await find.ExecuteScalarAsync(ct));
    }

    /// <summary>Runs one row's statement; a constraint violation (e.g. an external id owned by another customer) becomes a row error.</summary>
    private async Task<long?> ExecuteRowAsync(DbCommand cmd, DbTransaction tx, long line, CsvImporter.Batch batch, CancellationToken ct)
    {
        // PostgreSQL aborts the whole transaction on an error: a savepoint keeps the rest of the batch.
        if (!_sqlite)
        {
            await tx.SaveAsync("row", ct);
        }

        try
        {
            var result = await cmd.ExecuteScalarAsync(ct);
            if (!_sqlite)
            {
                await tx.ReleaseAsync("row", ct);
            }

            return result is null or DBNull ? null : Convert.ToInt64(result);
        }
        catch (DbException ex) when (IsConstraintViolation(ex))
        {
            if (!_sqlite)
            {
                await tx.RollbackAsync("row", ct);
            }

            batch.Errors.Add(new ImportError(line, "conflicts with another customer (the e-mail or external id already belongs to someone else)", null));
            return null;
        }
    }

    /// <summary>
    /// Tells inserts from updates by the returned id: ids above the table's maximum before the batch are new rows
    /// (counted once, even if the file repeats the row), everything else was an update.
    /// </summary>
    private sealed class UpsertCounter(long maxIdBefore)
    {
        private readonly HashSet<long> _newIds = [];
        private long _rows;

        public void Add(long? id)
        {
            if (id is { } value)
            {
                _rows++;
                if (value > maxIdBefore)
                {
                    _newIds.Add(value);
                }
            }
        }

        public (long Inserted, long Updated) Result => (_newIds.Count, _rows - _newIds.Count);
    }

    private static bool IsConstraintViolation(DbException ex) =>
        ex.SqlState is "23505" or "23503" || ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 };

    public async Task RecordJobProgressAsync(DbTransaction tx, int jobId, IReadOnlyList<ImportError> batchErrors, int storedErrors,
        ImportCounts totals, long bytesRead, CancellationToken ct)
    {
        await using (var cmd = Command(tx, """
            UPDATE "ImportJobs" SET "ProcessedRows" = @Processed, "InsertedRows" = @Inserted, "UpdatedRows" = @Updated,
                "ErrorRows" = @Errors, "BytesRead" = @Bytes, "LinesRead" = @Lines, "BlankLines" = @Blank,
                "ContinuationLines" = @Continuation, "ReplacedRows" = @Replaced WHERE "Id" = @Id
            """))
        {
            var p = AddParameters(cmd, "Processed", "Inserted", "Updated", "Errors", "Bytes", "Lines", "Blank", "Continuation", "Replaced", "Id");
            Set(p[0], totals.Processed);
            Set(p[1], totals.Inserted);
            Set(p[2], totals.Updated);
            Set(p[3], totals.Errors);
            Set(p[4], bytesRead);
            Set(p[5], totals.LinesRead);
            Set(p[6], totals.BlankLines);
            Set(p[7], totals.ContinuationLines);
            Set(p[8], totals.Replaced);
            Set(p[9], jobId);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var room = CsvImporter.MaxStoredErrors - storedErrors;
        if (batchErrors.Count == 0 || room <= 0)
        {
            return;
        }

        await using var insert = Command(tx, """
            INSERT INTO "ImportRowErrors" ("ImportJobId", "LineNumber", "Reason", "RawRow") VALUES (@Job, @Line, @Reason, @Raw)
            """);
        var e = AddParameters(insert, "Job", "Line", "Reason", "Raw");
        Set(e[0], jobId);
        foreach (var error in batchErrors.Take(room))
        {
            Set(e[1], error.LineNumber);
            Set(e[2], error.Reason.Length > 400 ? error.Reason[..400] : error.Reason);
            Set(e[3], error.RawRow);
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    private async Task<long> MaxIdAsync(string table, DbTransaction tx, CancellationToken ct)
    {
        await using var cmd = Command(tx, $"SELECT COALESCE(MAX(\"Id\"), 0) FROM \"{table}\"");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    private DbCommand Command(DbTransaction tx, string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private static DbParameter[] AddParameters(DbCommand cmd, params string[] names) =>
        names.Select(n =>
        {
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = "@" + n;
            parameter.Value = DBNull.Value;
            cmd.Parameters.Add(parameter);
            return parameter;
        }).ToArray();

    private static void Set(DbParameter parameter, object? value) => parameter.Value = value ?? DBNull.Value;
}
