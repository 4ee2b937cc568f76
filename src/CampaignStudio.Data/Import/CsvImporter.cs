using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Imports;
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
    /// <summary>
    /// Rows per batch, and so per commit. Large: on SQLite each commit writes every index page the batch touched to the WAL
    /// (random e-mails touch most of the e-mail index), so 50,000 rows a commit spend a third of what 5,000 did (issue 17).
    /// A batch still commits whole with the job's counters, and the job page moves every 50,000 rows (under a second).
    /// </summary>
    public const int DefaultBatchSize = 50_000;

    /// <summary>Row errors kept per job; beyond this they are counted but not stored.</summary>
    public const int MaxStoredErrors = 100_000;

    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>
    /// Reads the header row and the first data rows for the preview and the mapping step, from the first megabyte of the
    /// file. Refuses, with one sentence that says why, a file that is empty, binary, has only a header row, repeats a
    /// header or has too many columns. Text that is not UTF-8 is reported (with its first line) and decoded with
    /// <paramref name="encoding"/>, or with Windows-1252 as a suggestion the marketer confirms.
    /// </summary>
    public static CsvPreview Preview(Stream stream, string? encoding = null, int rows = 10)
    {
        var head = CsvFileCheck.ReadHead(stream);
        var chosen = encoding ?? (head.IsUtf8 ? ImportEncodings.Utf8 : ImportEncodings.Windows1252);
        using var reader = new StreamReader(new MemoryStream(head.Bytes), ImportEncodings.Resolve(chosen), detectEncodingFromByteOrderMarks: true);
        var csv = new CsvRecordReader(reader, null, refuseReplacementCharacters: false);
        var headers = ReadHeader(csv, out _);
        csv.ExpectedColumns = headers.Length;
        var sample = new List<string[]>();
        var special = new List<string[]>();
        var any = false;
        for (var scanned = 0; scanned < 5_000 && (sample.Count < rows || special.Count < 5) && csv.Read(out var record); scanned++)
        {
            any |= record.Kind != CsvRecordKind.Blank;
            if (record.Kind != CsvRecordKind.Row)
            {
                continue;
            }

            if (sample.Count < rows)
            {
                sample.Add(record.Fields);
            }

            if (special.Count < 5 && record.Fields.Any(f => f.Any(c => c > '\u007f')))
            {
                special.Add(record.Fields);
            }
        }

        if (!any && head.Complete)
        {
            throw new ImportFileException("The file has only a header row and no data rows: there is nothing to import.");
        }

        return new CsvPreview(headers, sample, csv.Delimiter.ToString())
        {
            IsUtf8 = head.IsUtf8,
            NotUtf8Line = head.NotUtf8Line,
            Encoding = chosen,
            RowsWithSpecialCharacters = special,
        };
    }

    /// <summary>
    /// The header row: the first line that is not blank. Refuses a header that is not CSV, repeats a name or has more than
    /// <see cref="Limits.ImportColumns"/> columns, each with a sentence for the marketer.
    /// </summary>
    internal static string[] ReadHeader(CsvRecordReader csv, out long blankLines)
    {
        blankLines = 0;
        while (csv.Read(out var record))
        {
            if (record.Kind == CsvRecordKind.Blank)
            {
                blankLines++;
                continue;
            }

            if (record.Kind == CsvRecordKind.Refused)
            {
                throw new ImportFileException($"The header row (line {record.Line}) cannot be read: {record.Problem}. The first row must name the columns.");
            }

            var headers = record.Fields.Select(h => h.Trim()).ToArray();
            if (headers.Length > Limits.ImportColumns)
            {
                throw new ImportFileException($"The file has {headers.Length:N0} columns; an import takes at most {Limits.ImportColumns:N0}. Remove the columns you do not need and upload it again.");
            }

            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < headers.Length; i++)
            {
                var name = headers[i].ToLowerInvariant();
                if (name.Length == 0)
                {
                    continue;
                }

                if (seen.TryGetValue(name, out var earlier))
                {
                    throw new ImportFileException($"The header '{name}' names columns {earlier + 1} and {i + 1}: give each column its own name and upload the file again.");
                }

                seen[name] = i;
            }

            return headers;
        }

        throw new ImportFileException("The file is empty: it needs a header row that names the columns and at least one data row.");
    }

    public async Task<ImportSummary> ImportAsync(Stream stream, ImportKind kind, ImportMapping mapping, int? jobId = null,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var totalBytes = stream.CanSeek ? stream.Length : 0;
        var counting = new CountingStream(stream);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var parser = new RowParser(mapping, clock.GetUtcNow().UtcDateTime);
        var encoding = ImportEncodings.Resolve(mapping.Encoding);
        var delimiter = mapping.Delimiter is { Length: 1 } d ? d[0] : (char?)null;
        var headerCount = mapping.Columns.Count;
        var keys = new DuplicateKeys(kind, mapping, "line");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var parseToken = cts.Token;

        // Producer: parse and validate on a worker thread while the consumer writes the previous batch.
        var produce = Task.Run(async () =>
        {
            try
            {
                using var reader = new StreamReader(counting, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
                var csv = new CsvRecordReader(reader, delimiter, refuseReplacementCharacters: encoding.CodePage == Encoding.UTF8.CodePage);
                var fileHeaders = ReadHeader(csv, out var leadingBlankLines);
                if (fileHeaders.Length != headerCount)
                {
                    throw new ImportFileException($"The file has {fileHeaders.Length} columns but the mapping has {headerCount}: choose the mapping again.");
                }

                csv.ExpectedColumns = headerCount;
                var batch = new Batch { LinesRead = leadingBlankLines, BlankLines = leadingBlankLines };
                while (csv.Read(out var record))
                {
                    parseToken.ThrowIfCancellationRequested();
                    batch.LinesRead += record.LineCount;
                    if (record.Kind == CsvRecordKind.Blank)
                    {
                        batch.BlankLines++;
                    }
                    else
                    {
                        batch.Processed++;
                        batch.ContinuationLines += record.LineCount - 1;
                        try
                        {
                            if (record.Kind == CsvRecordKind.Refused)
                            {
                                throw new RowException(record.Problem!);
                            }

                            var fields = record.Fields;
                            if (fields.Length != headerCount)
                            {
                                throw new RowException($"expected {headerCount} columns, found {fields.Length}");
                            }

                            switch (kind)
                            {
                                case ImportKind.Customers: batch.Customers.Add(keys.Admit(parser.ParseCustomer(fields, record.Line), batch)); break;
                                case ImportKind.Purchases: batch.Purchases.Add(keys.Admit(parser.ParsePurchase(fields, record.Line), batch)); break;
                                case ImportKind.Products: batch.Products.Add(keys.Admit(parser.ParseProduct(fields, record.Line), batch)); break;
                                default: batch.Events.Add(keys.Admit(parser.ParseEvent(fields, record.Line), batch)); break;
                            }
                        }
                        catch (RowException ex)
                        {
                            batch.Errors.Add(new ImportError(record.Line, ex.Message, Raw(record.Raw)));
                        }
                    }

                    if (batch.Processed + batch.BlankLines >= BatchSize)
                    {
                        batch.BytesRead = counting.BytesRead;
                        batch.SortCustomers(mapping);
                        await channel.Writer.WriteAsync(batch, parseToken);
                        batch = new Batch();
                    }
                }

                batch.BytesRead = counting.BytesRead;
                batch.SortCustomers(mapping);
                if (batch.LinesRead > 0)
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

        var totals = new ImportCounts();
        var errors = new List<ImportError>();
        try
        {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(ct);
            if (db.Database.IsSqlite())
            {
                // A bigger page cache for this connection only: index pages stay in memory between batches (~20% faster at 1M rows);
                // the staging table of each batch lives in memory.
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY", ct);
            }

            var writer = new BatchWriter(connection, db.Database.IsSqlite(), mapping, parser, clock);
            await foreach (var batch in channel.Reader.ReadAllAsync(ct))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                var (ins, upd) = await writer.WriteAsync(batch, tx, ct);
                await SuppressErasedAsync(connection, tx, mapping, batch, ct);
                totals.Add(batch, ins, upd);
                if (jobId is { } id)
                {
                    await writer.RecordJobProgressAsync(tx, id, batch.Errors, errors.Count, totals, batch.BytesRead, ct);
                }

                await tx.CommitAsync(ct);
                foreach (var e in batch.Errors)
                {
                    if (errors.Count < MaxStoredErrors)
                    {
                        errors.Add(e);
                    }
                }

                progress?.Report(new ImportProgress(totals.Processed, totals.Inserted, totals.Updated, totals.Errors, batch.BytesRead, totalBytes) { LinesRead = totals.LinesRead });
            }

            if (db.Database.IsSqlite())
            {
                // The connection goes back to the pool: give it the default cache and temp store again, without the staging table.
                await db.Database.ExecuteSqlRawAsync("DROP TABLE IF EXISTS temp.\"ImportCustomers\"; PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT", CancellationToken.None);
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
        return totals.Summary(errors.OrderBy(e => e.LineNumber).ToList(), stopwatch.Elapsed);
    }

    /// <summary>
    /// Upserts rows that arrived as fields (e.g. from the API) through the same validation and writer as a file, in one
    /// transaction. Errors carry the 1-based position of the item in the request.
    /// </summary>
    public async Task<ImportSummary> UpsertAsync(ImportKind kind, ImportMapping mapping, IReadOnlyList<string[]> rows, CancellationToken ct = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var parser = new RowParser(mapping, clock.GetUtcNow().UtcDateTime);
        var keys = new DuplicateKeys(kind, mapping, "item");
        var batch = new Batch { Processed = rows.Count, LinesRead = rows.Count };
        for (var i = 0; i < rows.Count; i++)
        {
            try
            {
                switch (kind)
                {
                    case ImportKind.Customers: batch.Customers.Add(keys.Admit(parser.ParseCustomer(rows[i], i + 1), batch)); break;
                    case ImportKind.Purchases: batch.Purchases.Add(keys.Admit(parser.ParsePurchase(rows[i], i + 1), batch)); break;
                    case ImportKind.Products: batch.Products.Add(keys.Admit(parser.ParseProduct(rows[i], i + 1), batch)); break;
                    default: batch.Events.Add(keys.Admit(parser.ParseEvent(rows[i], i + 1), batch)); break;
                }
            }
            catch (RowException ex)
            {
                batch.Errors.Add(new ImportError(i + 1, ex.Message, null));
            }
        }

        batch.SortCustomers(mapping);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var writer = new BatchWriter(connection, db.Database.IsSqlite(), mapping, parser, clock);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (inserted, updated) = await writer.WriteAsync(batch, tx, ct);
        await SuppressErasedAsync(connection, tx, mapping, batch, ct);
        await tx.CommitAsync(ct);
        var totals = new ImportCounts();
        totals.Add(batch, inserted, updated);
        return totals.Summary(batch.Errors.OrderBy(e => e.LineNumber).ToList(), stopwatch.Elapsed);
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

    private static string Raw(string? raw)
    {
        var s = (raw ?? "").TrimEnd('\r', '\n');
        return s.Length <= 500 ? s : s[..500];
    }

    internal sealed class Batch
    {
        public int Processed;
        public long LinesRead;
        public long BlankLines;
        public long ContinuationLines;
        public long ReplacedRows;
        public long BytesRead;
        public readonly List<CustomerRow> Customers = [];
        public readonly List<PurchaseRow> Purchases = [];
        public readonly List<EventRow> Events = [];
        public readonly List<ProductRow> Products = [];
        public readonly List<ImportError> Errors = [];

        /// <summary>
        /// Puts the customers in key order, on the parsing thread: the writer stages them so, and the unique index is then
        /// appended to in runs instead of at random pages. The line breaks ties, so of two rows with one key ("last wins")
        /// the later one stays later and wins.
        /// </summary>
        public void SortCustomers(ImportMapping mapping)
        {
            var byExternalId = mapping.MatchOn == ImportFields.ExternalId;
            Customers.Sort((a, b) =>
            {
                var order = string.CompareOrdinal(byExternalId ? a.ExternalId : a.Email, byExternalId ? b.ExternalId : b.Email);
                return order != 0 ? order : a.Line.CompareTo(b.Line);
            });
        }
    }
}

/// <summary>The start of a file as the mapping step shows it.</summary>
public sealed record CsvPreview(IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, string Delimiter)
{
    /// <summary>False when the first megabyte has bytes that are not UTF-8: the marketer must choose the encoding.</summary>
    public bool IsUtf8 { get; init; } = true;

    /// <summary>The line of the first byte that is not UTF-8.</summary>
    public long? NotUtf8Line { get; init; }

    /// <summary>The encoding the preview was decoded with: the chosen one, UTF-8, or Windows-1252 as a suggestion.</summary>
    public string Encoding { get; init; } = ImportEncodings.Utf8;

    /// <summary>Up to five rows with letters beyond ASCII, so the marketer can see whether the encoding reads them right.</summary>
    public IReadOnlyList<string[]> RowsWithSpecialCharacters { get; init; } = [];
}

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
