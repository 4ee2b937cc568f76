using System.Globalization;
using System.Text;
using CsvHelper;

namespace CampaignStudio.Data.Exports;

/// <summary>
/// Every CSV the studio hands out (customers, segments, consent proof, privacy exports, refused import rows) goes through
/// here, so a cell such as <c>=HYPERLINK(...)</c> typed into a shop form never runs as a formula in a spreadsheet.
/// </summary>
public static class SpreadsheetCsv
{
    /// <summary>A text cell that starts like a formula (= + - @ tab CR) is prefixed with an apostrophe so spreadsheets show it as text.</summary>
    public static string Safe(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value ?? "";

    /// <summary>
    /// Writes a header row (as given: our own column names) and the rows. Text cells are neutralised; numbers and dates
    /// are written in invariant form and left alone, so a refund of -5 stays a number.
    /// </summary>
    public static async Task WriteAsync(Stream output, IReadOnlyList<string> headers, IAsyncEnumerable<object?[]> rows, CancellationToken ct = default)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var header in headers)
        {
            csv.WriteField(header);
        }

        await csv.NextRecordAsync();
        await foreach (var row in rows.WithCancellation(ct))
        {
            foreach (var cell in row)
            {
                csv.WriteField(Format(cell));
            }

            await csv.NextRecordAsync();
        }
    }

    public static Task WriteAsync(Stream output, IReadOnlyList<string> headers, IEnumerable<object?[]> rows, CancellationToken ct = default) =>
        WriteAsync(output, headers, Async(rows), ct);

#pragma warning disable CS1998 // An iterator over a list: nothing to await.
    private static async IAsyncEnumerable<object?[]> Async(IEnumerable<object?[]> rows)
#pragma warning restore CS1998
    {
        foreach (var row in rows)
        {
            yield return row;
        }
    }

    private static string Format(object? cell) => cell switch
    {
        null => "",
        string s => Safe(s),
        DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        decimal or double or float or int or long or short => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        _ => Safe(Convert.ToString(cell, CultureInfo.InvariantCulture)),
    };
}
