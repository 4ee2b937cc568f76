using System.IO.Hashing;
using System.Runtime.InteropServices;
using CampaignStudio.Domain.Imports;

namespace CampaignStudio.Data.Import;

/// <summary>
/// Finds a later row with the key of an earlier row of the same file (or API batch): the same e-mail or external id of a
/// customer, the same order line of a purchase, the same event. Refused as "duplicate of line N" unless the marketer chose
/// "last wins" (then counted); events are facts, a repeated one is always refused. Before issue 11 the later row silently
/// overwrote the earlier one. Keys are kept as 64-bit hashes (about 30 bytes a row, not the key itself): a collision,
/// about one in 10^8 files of a million rows, would refuse a row as a duplicate with its line named, never lose one silently.
/// </summary>
internal sealed class DuplicateKeys(ImportKind kind, ImportMapping mapping, string unit)
{
    private readonly Dictionary<ulong, long> _lines = [];
    private readonly XxHash3 _hash = new();
    private readonly bool _lastWins = mapping.Duplicates == DuplicateRows.LastWins && kind != ImportKind.Events;

    public CustomerRow Admit(CustomerRow row, CsvImporter.Batch batch)
    {
        Decide(batch, row.Line,
            (row.Email is null ? null : Hash(1, row.Email, ""), "e-mail"),
            (row.ExternalId is null ? null : Hash(2, row.ExternalId, ""), "external id"));
        return row;
    }

    public PurchaseRow Admit(PurchaseRow row, CsvImporter.Batch batch)
    {
        Decide(batch, row.Line, (Hash(3, row.CustomerKey, row.SourceKey),
            row.OrderId is null ? "purchase (same customer, date, amount, category and product)" : "order line (same customer, order id and product)"));
        return row;
    }

    public ProductRow Admit(ProductRow row, CsvImporter.Batch batch)
    {
        Decide(batch, row.Line, (Hash(5, row.ExternalId, ""), "product id"));
        return row;
    }

    public EventRow Admit(EventRow row, CsvImporter.Batch batch)
    {
        Decide(batch, row.Line, (Hash(4, row.CustomerKey, row.SourceKey), "event"));
        return row;
    }

    /// <summary>Refuses the row (or, with "last wins", counts it once) when any of its keys was on an earlier row; then remembers its keys.</summary>
    private void Decide(CsvImporter.Batch batch, long line, params ReadOnlySpan<(ulong? Key, string What)> keys)
    {
        foreach (var (key, what) in keys)
        {
            if (key is { } k && _lines.TryGetValue(k, out var earlier))
            {
                if (!_lastWins)
                {
                    throw new RowException(kind == ImportKind.Events
                        ? $"duplicate of {unit} {earlier}: the same {what} is there"
                        : $"duplicate of {unit} {earlier}: the same {what} is there (to let later rows replace earlier ones, choose \"last wins\" for duplicates)");
                }

                batch.ReplacedRows++;
                break;
            }
        }

        foreach (var (key, _) in keys)
        {
            if (key is { } k)
            {
                _lines[k] = line;
            }
        }
    }

    private ulong Hash(byte what, string first, string second)
    {
        _hash.Reset();
        _hash.Append([what]);
        _hash.Append(MemoryMarshal.AsBytes(first.AsSpan()));
        _hash.Append([0, 0]);
        _hash.Append(MemoryMarshal.AsBytes(second.AsSpan()));
        return _hash.GetCurrentHashAsUInt64();
    }
}
