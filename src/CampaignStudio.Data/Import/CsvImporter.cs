using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CampaignStudio.Domain.Imports;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Import;

/// <summary>
/// Streams a CSV file into the database in batches. Each batch commits in one transaction together with the job's
/// counters and the batch's row errors, so a crash leaves whole batches only. Upserts make a re-import safe.
/// Parsing and writing run on separate threads: on two cores that is most of the speed.
/// With <paramref name="suppression"/>, addresses erased earlier are opted out again in the batch's transaction.
/// </summary>
public sealed class CsvImporter(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock, Consent.AddressSuppression? suppression = null)
{
    public const int DefaultBatchSize = 5_000;

    /// <summary>Row errors kept per job; beyond this they are counted but not stored.</summary>
    public const int MaxStoredErrors = 100_000;

    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Reads the header row and the first data rows for the preview and the mapping step.</summary>
    public static CsvPreview Preview(Stream stream, int rows = 10)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        using var csv = new CsvReader(reader, Configuration(null, _ => { }));
        if (!csv.Read())
        {
            return new CsvPreview([], [], ",");
        }

        csv.ReadHeader();
        var headers = csv.HeaderRecord ?? [];
        var sample = new List<string[]>();
        while (sample.Count < rows && csv.Read())
        {
            sample.Add(csv.Parser.Record ?? []);
        }

        return new CsvPreview(headers, sample, csv.Parser.Delimiter);
    }

    public async Task<ImportSummary> ImportAsync(Stream stream, ImportKind kind, ImportMapping mapping, int? jobId = null,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var totalBytes = stream.CanSeek ? stream.Length : 0;
        var counting = new CountingStream(stream);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var parser = new RowParser(mapping);
        var headerCount = mapping.Columns.Count;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var parseToken = cts.Token;

        // Producer: parse and validate on a worker thread while the consumer writes the previous batch.
        var produce = Task.Run(async () =>
        {
            try
            {
                var badLine = -1L;
                using var reader = new StreamReader(counting, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
                using var csv = new CsvReader(reader, Configuration(mapping.Delimiter, args => badLine = args.Context.Parser?.RawRow ?? -1));
                if (!csv.Read())
                {
                    channel.Writer.Complete();
                    return;
                }

                csv.ReadHeader();
                var fileHeaders = csv.HeaderRecord ?? [];
                if (fileHeaders.Length != headerCount)
                {
                    throw new ImportFileException($"The file has {fileHeaders.Length} columns but the mapping has {headerCount}: choose the mapping again.");
                }

                var batch = new Batch();
                var previousRawRow = csv.Parser.RawRow;
                while (csv.Read())
                {
                    parseToken.ThrowIfCancellationRequested();
                    var line = previousRawRow + 1;
                    previousRawRow = csv.Parser.RawRow;
                    var fields = csv.Parser.Record ?? [];
                    batch.Processed++;
                    try
                    {
                        if (badLine >= line)
                        {
                            throw new RowException("malformed quoting (a field contains a stray \")");
                        }

                        if (fields.Length != headerCount)
                        {
                            throw new RowException($"expected {headerCount} columns, found {fields.Length}");
                        }

                        switch (kind)
                        {
                            case ImportKind.Customers: batch.Customers.Add(parser.ParseCustomer(fields, line)); break;
                            case ImportKind.Purchases: batch.Purchases.Add(parser.ParsePurchase(fields, line)); break;
                            default: batch.Events.Add(parser.ParseEvent(fields, line)); break;
                        }
                    }
                    catch (RowException ex)
                    {
                        batch.Errors.Add(new ImportError(line, ex.Message, Raw(csv.Parser.RawRecord)));
                    }

                    if (batch.Processed >= BatchSize)
                    {
                        batch.BytesRead = counting.BytesRead;
                        await channel.Writer.WriteAsync(batch, parseToken);
                        batch = new Batch();
                    }
                }

                batch.BytesRead = counting.BytesRead;
                if (batch.Processed > 0)
                {
                    await channel.Writer.WriteAsync(batch, parseToken);
                }

                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, parseToken);

        long processed = 0, inserted = 0, updated = 0, errorCount = 0;
        var errors = new List<ImportError>();
        try
        {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(ct);
            if (db.Database.IsSqlite())
            {
                // A bigger page cache for this connection only: index pages stay in memory between batches (~20% faster at 1M rows).
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -131072", ct);
            }

            var writer = new BatchWriter(connection, db.Database.IsSqlite(), mapping, parser, clock);
            await foreach (var batch in channel.Reader.ReadAllAsync(ct))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                var (ins, upd) = await writer.WriteAsync(batch, tx, ct);
                await SuppressErasedAsync(connection, tx, mapping, batch, ct);
                processed += batch.Processed;
                inserted += ins;
                updated += upd;
                errorCount += batch.Errors.Count;
                if (jobId is { } id)
                {
                    await writer.RecordJobProgressAsync(tx, id, batch.Errors, errors.Count, processed, inserted, updated, errorCount, batch.BytesRead, ct);
                }

                await tx.CommitAsync(ct);
                foreach (var e in batch.Errors)
                {
                    if (errors.Count < MaxStoredErrors)
                    {
                        errors.Add(e);
                    }
                }

                progress?.Report(new ImportProgress(processed, inserted, updated, errorCount, batch.BytesRead, totalBytes));
            }

            if (db.Database.IsSqlite())
            {
                // The connection goes back to the pool: give it the default cache again.
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000", CancellationToken.None);
            }
        }

        }
        catch
        {
            // Stop the parser too: it may be waiting for room in the channel.
            await cts.CancelAsync();
            throw;
        }

        await produce;
        return new ImportSummary(processed, inserted, updated, errorCount, errors, stopwatch.Elapsed);
    }

    /// <summary>
    /// Upserts rows that arrived as fields (e.g. from the API) through the same validation and writer as a file, in one
    /// transaction. Errors carry the 1-based position of the item in the request.
    /// </summary>
    public async Task<ImportSummary> UpsertAsync(ImportKind kind, ImportMapping mapping, IReadOnlyList<string[]> rows, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var parser = new RowParser(mapping);
        var batch = new Batch { Processed = rows.Count };
        for (var i = 0; i < rows.Count; i++)
        {
            try
            {
                switch (kind)
                {
                    case ImportKind.Customers: batch.Customers.Add(parser.ParseCustomer(rows[i], i + 1)); break;
                    case ImportKind.Purchases: batch.Purchases.Add(parser.ParsePurchase(rows[i], i + 1)); break;
                    default: batch.Events.Add(parser.ParseEvent(rows[i], i + 1)); break;
                }
            }
            catch (RowException ex)
            {
                batch.Errors.Add(new ImportError(i + 1, ex.Message, null));
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var writer = new BatchWriter(connection, db.Database.IsSqlite(), mapping, parser, clock);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (inserted, updated) = await writer.WriteAsync(batch, tx, ct);
        await SuppressErasedAsync(connection, tx, mapping, batch, ct);
        await tx.CommitAsync(ct);
        return new ImportSummary(rows.Count, inserted, updated, batch.Errors.Count, batch.Errors.OrderBy(e => e.LineNumber).ToList(), stopwatch.Elapsed);
    }

    private Task<int> SuppressErasedAsync(DbConnection connection, DbTransaction tx, ImportMapping mapping, Batch batch, CancellationToken ct)
    {
        if (suppression is null)
        {
            return Task.FromResult(0);
        }

        // Purchases and events may create customers too; their key is the address when matching by e-mail.
        var byEmail = mapping.MatchOn != ImportFields.ExternalId;
        var emails = batch.Customers.Select(c => c.Email)
            .Concat(byEmail ? batch.Purchases.Select(p => (string?)p.CustomerKey).Concat(batch.Events.Select(e => (string?)e.CustomerKey)) : []);
        return suppression.ApplyAsync(connection, tx, emails, ct);
    }

    private static CsvConfiguration Configuration(string? delimiter, BadDataFound onBadData)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            DetectDelimiter = delimiter is null,
            DetectDelimiterValues = [",", ";", "\t", "|"],
            BadDataFound = onBadData,
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            TrimOptions = TrimOptions.None,
            DetectColumnCountChanges = false,
        };
        if (delimiter is not null)
        {
            config.Delimiter = delimiter;
        }

        return config;
    }

    private static string Raw(string? raw)
    {
        var s = (raw ?? "").TrimEnd('\r', '\n');
        return s.Length <= 500 ? s : s[..500];
    }

    internal sealed class Batch
    {
        public int Processed;
        public long BytesRead;
        public readonly List<CustomerRow> Customers = [];
        public readonly List<PurchaseRow> Purchases = [];
        public readonly List<EventRow> Events = [];
        public readonly List<ImportError> Errors = [];
    }
}

public sealed record CsvPreview(IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, string Delimiter);

/// <summary>The file as a whole cannot be imported (wrong layout); nothing was written.</summary>
public sealed class ImportFileException(string message) : Exception(message);

/// <summary>Counts bytes read so the progress bar can follow the file, not a guess of its row count.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public override int Read(byte[] buffer, int offset, int count) => Add(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Add(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Add(await inner.ReadAsync(buffer, cancellationToken));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Add(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    private int Add(int n)
    {
        Interlocked.Add(ref _bytesRead, n);
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
