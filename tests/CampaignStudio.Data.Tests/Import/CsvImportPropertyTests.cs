using System.Text;
using CampaignStudio.Data.Import;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport;
using CsCheck;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests.Import;

/// <summary>
/// The import's promise as a property: for any mix of good rows, rows whose values span several lines, stray quotes,
/// wrong column counts, blank lines, CRLF/LF mixes, a byte order mark and trailing garbage, every physical line ends up
/// imported, refused with its own line number, counted as blank, or counted as a further line of a row it belongs to.
/// </summary>
public sealed class CsvImportPropertyTests : IAsyncLifetime
{
    private SqliteTestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await SqliteTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private enum Kind
    {
        Good,
        QuotedGood,
        MultiLine,
        StrayOpenQuote,
        QuoteInsideValue,
        QuoteAfterClosingQuote,
        TooFewColumns,
        TooManyColumns,
        Blank,
        Garbage,
    }

    /// <summary>One piece of a generated file: what it is, its physical lines, and the values a good row must arrive with.</summary>
    private sealed record Piece(Kind Kind, string[] Lines, string? Name = null, string? Note = null)
    {
        public bool Imports => Kind is Kind.Good or Kind.QuotedGood or Kind.MultiLine;
    }

    private static readonly Gen<string> Word = Gen.OneOf("Anna", "Jürgen", "Zoë", "Berg", "O'Neil", "Ångström", "x", "Smith-Jones", "東京");

    private static readonly Gen<Piece> PieceGen = Gen.Int[0, 999].SelectMany(n => Gen.Frequency(
        (6, Word.Select(w => new Piece(Kind.Good, [$"{{0}},{w},plain {n}"], w, $"plain {n}"))),
        // Quoted values never start with a separator, a line break or a quote, and no line ends in a lone quote unless it
        // closes a value: only there is a stray quote truly ambiguous with a value that spans lines (a reader could not
        // tell either, and RFC 4180 reads it as one row); see decision 037.
        (2, Gen.Select(Word, Word).Select((a, b) => new Piece(Kind.QuotedGood, [$"{{0}},\"{a}, {b}\",\"say \"\"hi\"\" {n}\""], $"{a}, {b}", $"say \"hi\" {n}"))),
        (2, Gen.Int[1, 4].Select(extra =>
        {
            var parts = Enumerable.Range(0, extra + 1).Select(i => $"part {i} of {n}").ToArray();
            var lines = new List<string> { $"{{0}},Multi,\"{parts[0]}" };
            lines.AddRange(parts.Skip(1).SkipLast(1));
            lines.Add(parts[^1] + "\"");
            return new Piece(Kind.MultiLine, lines.ToArray(), "Multi", string.Join('\n', parts));
        })),
        (2, Gen.OneOf("\"unterminated,Berlin", "Anna,\"no end", "\"Berg, Anna,x").Select(s => new Piece(Kind.StrayOpenQuote, [$"{{0}},{s}"]))),
        (1, Gen.Const(new Piece(Kind.QuoteInsideValue, ["{0},Do\"ra,x"]))),
        (1, Gen.Const(new Piece(Kind.QuoteAfterClosingQuote, ["{0},\"Do\"ra,x"]))),
        (1, Gen.Const(new Piece(Kind.TooFewColumns, ["{0},Anna"]))),
        (1, Gen.Const(new Piece(Kind.TooManyColumns, ["{0},Anna,x,y"]))),
        (2, Gen.OneOf("", "   ", ",,", "\t").Select(s => new Piece(Kind.Blank, [s]))),
        (1, Gen.OneOf("\u001a", "garbage without separators", "0x00ff,", "\";\"").Select(s => new Piece(Kind.Garbage, [s])))));

    private static readonly Gen<(Piece[] Pieces, bool[] CrLf, bool Bom, bool FinalNewline)> FileGen =
        Gen.Select(PieceGen.Array[0, 60], Gen.Bool.Array[300], Gen.Bool, Gen.Bool);

    [Fact]
    public async Task EveryPhysicalLineIsImportedRefusedOnItsOwnOrCounted()
    {
        var run = 0;
        await FileGen.SampleAsync(async file =>
        {
            run++;
            var domain = $"run{run}.example";
            var (bytes, layout) = Build(file, domain);

            var summary = await new CsvImporter(_db.Factory, new StudioClock()) { BatchSize = 7 }
                .ImportAsync(new MemoryStream(bytes), ImportKind.Customers, ImportFields.Suggest(ImportKind.Customers, ["email", "first_name", "note"]));

            // Physical lines as a text editor counts them (CRLF, LF or CR end a line), less the header.
            var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
            var physical = text.Split(["\r\n", "\r", "\n"], StringSplitOptions.None).Length - (text.EndsWith('\n') || text.EndsWith('\r') ? 1 : 0) - 1;
            summary.LinesRead.ShouldBe(physical);
            (summary.InsertedRows + summary.UpdatedRows + summary.ErrorRows + summary.BlankLines + summary.ContinuationLines).ShouldBe(summary.LinesRead);
            summary.ProcessedRows.ShouldBe(summary.InsertedRows + summary.UpdatedRows + summary.ErrorRows);

            var expectedRefused = layout.Where(p => !p.Piece.Imports && p.Piece.Kind != Kind.Blank).Select(p => p.Line).ToList();
            summary.Errors.Select(e => e.LineNumber).ShouldBe(expectedRefused);
            summary.BlankLines.ShouldBe(layout.Count(p => p.Piece.Kind == Kind.Blank));
            summary.ContinuationLines.ShouldBe(layout.Where(p => p.Piece.Imports).Sum(p => p.Piece.Lines.Length - 1));
            foreach (var error in summary.Errors)
            {
                var piece = layout.Single(p => p.Line == error.LineNumber).Piece;
                error.RawRow.ShouldBe(string.Format(piece.Lines[0], Email(domain, error.LineNumber)));
            }

            await using var db = await _db.Factory.CreateDbContextAsync();
            var imported = await db.Customers.AsNoTracking().Where(c => c.Email!.EndsWith("@" + domain)).ToListAsync();
            var good = layout.Where(p => p.Piece.Imports).ToList();
            summary.InsertedRows.ShouldBe(good.Count);
            imported.Select(c => c.Email).Order().ShouldBe(good.Select(p => Email(domain, p.Line)).Order());
            foreach (var (piece, line) in good)
            {
                var customer = imported.Single(c => c.Email == Email(domain, line));
                customer.FirstName.ShouldBe(piece.Name);
                customer.Attributes["note"].ShouldBe(piece.Note);
            }
        }, iter: 60, threads: 1, print: file => string.Join(" | ", file.Pieces.Select(p => p.Kind)));
    }

    private static string Email(string domain, long line) => $"line{line}@{domain}";

    /// <summary>The file's bytes and, per piece, the line it starts on (the header is line 1); each row's e-mail names its line.</summary>
    private static (byte[] Bytes, List<(Piece Piece, long Line)> Layout) Build((Piece[] Pieces, bool[] CrLf, bool Bom, bool FinalNewline) file, string domain)
    {
        var sb = new StringBuilder("email,first_name,note");
        var layout = new List<(Piece, long)>();
        var line = 1L;
        var breakIndex = 0;
        string Break() => file.CrLf[breakIndex++ % file.CrLf.Length] ? "\r\n" : "\n";
        foreach (var piece in file.Pieces)
        {
            var start = line + 1;
            layout.Add((piece, start));
            foreach (var physical in piece.Lines)
            {
                sb.Append(Break());
                sb.Append(string.Format(physical, Email(domain, start)));
                line++;
            }
        }

        // A blank piece last and no final line break: the blank line does not exist for an editor either.
        if (layout.Count > 0 && layout[^1].Item1.Kind == Kind.Blank && layout[^1].Item1.Lines[0].Length == 0 && !file.FinalNewline)
        {
            sb.Append(Break());
        }
        else if (file.FinalNewline)
        {
            sb.Append(Break());
        }

        var body = Encoding.UTF8.GetBytes(sb.ToString());
        return (file.Bom ? [0xEF, 0xBB, 0xBF, .. body] : body, layout);
    }
}
