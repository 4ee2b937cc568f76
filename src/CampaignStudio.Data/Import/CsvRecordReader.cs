using System.Text;

namespace CampaignStudio.Data.Import;

/// <summary>What one call of <see cref="CsvRecordReader.Read"/> found.</summary>
internal enum CsvRecordKind
{
    /// <summary>A row with its fields (its column count is not checked here).</summary>
    Row,

    /// <summary>An empty line, or one of only spaces and separators.</summary>
    Blank,

    /// <summary>A line that is not CSV (a stray quote, an over-long line, bytes that are not text): refused on its own.</summary>
    Refused,
}

/// <summary>A row, a blank line or a refused line, with the line it starts on and how many physical lines it covers.</summary>
internal readonly record struct CsvRecord(CsvRecordKind Kind, long Line, int LineCount, string[] Fields, string Raw, string? Problem);

/// <summary>
/// Reads CSV one physical line at a time, so that every line of a file is accounted for. A value in quotes may span
/// several lines (RFC 4180); but when such a value is never closed, is followed by text, or reading on gives the wrong
/// number of columns, only the line it started on is refused and reading resumes on the next line. CsvHelper cannot do
/// that: it cannot go back, so one stray quote swallowed every line up to the next quote as one refused row
/// (issue 11: 4,094 of 9,000 good rows lost). See decision 037.
/// </summary>
internal sealed class CsvRecordReader
{
    /// <summary>Longer lines are refused without being kept in memory.</summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>How many lines one value in quotes may span; beyond it the opening quote is taken as a stray one.</summary>
    public const int MaxLinesPerRow = 100;

    private readonly PhysicalLines _source;
    private readonly bool _refuseReplacementCharacters;
    private readonly List<PhysicalLine> _window = [];
    private readonly List<string> _fields = [];
    private readonly StringBuilder _value = new();
    private char? _delimiter;

    /// <param name="reader">The decoded text.</param>
    /// <param name="delimiter">The separator, or null to take the most frequent of , ; tab | on the first non-blank line.</param>
    /// <param name="refuseReplacementCharacters">
    /// True when the text was decoded as UTF-8: bytes that are not UTF-8 arrive as U+FFFD, and such a line is refused
    /// instead of importing <c>J�rgen</c>.
    /// </param>
    public CsvRecordReader(TextReader reader, char? delimiter, bool refuseReplacementCharacters)
    {
        _source = new PhysicalLines(reader);
        _delimiter = delimiter;
        _refuseReplacementCharacters = refuseReplacementCharacters;
    }

    /// <summary>The column count rows must have; a value spanning lines that gives another count is taken as a stray quote. -1: any.</summary>
    public int ExpectedColumns { get; set; } = -1;

    public char Delimiter => _delimiter ?? ',';

    /// <summary>The next row, blank line or refused line; false at the end of the text.</summary>
    public bool Read(out CsvRecord record)
    {
        if (!TryGet(0, out var first))
        {
            record = default;
            return false;
        }

        _delimiter ??= DetectDelimiter();
        if (first.TooLong)
        {
            record = Refuse(first, $"the line is longer than {MaxLineChars:N0} characters");
            return true;
        }

        var text = first.Text;
        if (!text.Contains('"', StringComparison.Ordinal))
        {
            // The common line: no quotes, one physical line.
            _window.RemoveAt(0);
            if (IsBlank(text))
            {
                record = new CsvRecord(CsvRecordKind.Blank, first.Number, 1, [], text, null);
            }
            else if (_refuseReplacementCharacters && text.Contains('\uFFFD', StringComparison.Ordinal))
            {
                record = new CsvRecord(CsvRecordKind.Refused, first.Number, 1, [], text, NotUtf8);
            }
            else
            {
                record = new CsvRecord(CsvRecordKind.Row, first.Number, 1, text.Split(Delimiter), text, null);
            }

            return true;
        }

        record = ReadQuoted(first);
        return true;
    }

    private const string NotUtf8 = "the line has bytes that are not UTF-8 text (they would show as �): choose the file's encoding when you upload it";

    private CsvRecord ReadQuoted(PhysicalLine first)
    {
        _fields.Clear();
        var delimiter = Delimiter;
        var lines = 1;
        var current = first.Text;
        var pos = 0;
        while (true)
        {
            if (pos < current.Length && current[pos] == '"')
            {
                _value.Clear();
                pos++;
                while (true)
                {
                    var quote = current.IndexOf('"', pos);
                    if (quote < 0)
                    {
                        _value.Append(current, pos, current.Length - pos);
                        if (lines >= MaxLinesPerRow || !TryGet(lines, out var next) || next.TooLong)
                        {
                            return Refuse(first, UnclosedQuote);
                        }

                        lines++;
                        _value.Append('\n');
                        current = next.Text;
                        pos = 0;
                        continue;
                    }

                    _value.Append(current, pos, quote - pos);
                    if (quote + 1 < current.Length && current[quote + 1] == '"')
                    {
                        _value.Append('"');
                        pos = quote + 2;
                        continue;
                    }

                    pos = quote + 1;
                    break;
                }

                _fields.Add(_value.ToString());
                if (pos == current.Length)
                {
                    break;
                }

                if (current[pos] != delimiter)
                {
                    return Refuse(first, lines > 1 ? UnclosedQuote : "malformed quoting: text follows the closing \" of a value (write a \" inside a quoted value as \"\")");
                }

                pos++;
                continue;
            }

            var end = current.IndexOf(delimiter, pos);
            var field = current.AsSpan(pos, (end < 0 ? current.Length : end) - pos);
            if (field.Contains('"'))
            {
                return Refuse(first, lines > 1 ? UnclosedQuote : "malformed quoting: a \" inside a value that does not start with \" (put the whole value in quotes and double the \")");
            }

            _fields.Add(new string(field));
            if (end < 0)
            {
                break;
            }

            pos = end + 1;
        }

        if (lines > 1 && ExpectedColumns >= 0 && _fields.Count != ExpectedColumns)
        {
            // Reading on made a row of the wrong shape: the quote was a stray one, not the start of a value with line breaks.
            return Refuse(first, UnclosedQuote);
        }

        var raw = lines == 1 ? first.Text : string.Join('\n', _window.Take(lines).Select(l => l.Text));
        _window.RemoveRange(0, lines);
        var fields = _fields.ToArray();
        if (_refuseReplacementCharacters && fields.Any(f => f.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            return new CsvRecord(CsvRecordKind.Refused, first.Number, lines, [], raw, NotUtf8);
        }

        return new CsvRecord(CsvRecordKind.Row, first.Number, lines, fields, raw, null);
    }

    private const string UnclosedQuote = "malformed quoting: a value starts with \" that is not closed on this line (a stray \"?)";

    /// <summary>Refuses the first line of the window alone; lines read ahead are read again as lines of their own.</summary>
    private CsvRecord Refuse(PhysicalLine first, string problem)
    {
        _window.RemoveAt(0);
        return new CsvRecord(CsvRecordKind.Refused, first.Number, 1, [], first.Text, problem);
    }

    private bool IsBlank(string text)
    {
        foreach (var c in text)
        {
            if (c != Delimiter && !char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    private bool TryGet(int index, out PhysicalLine line)
    {
        while (_window.Count <= index)
        {
            if (!_source.TryRead(out var next))
            {
                line = default;
                return false;
            }

            _window.Add(next);
        }

        line = _window[index];
        return true;
    }

    /// <summary>The candidate that occurs most often outside quotes on the first non-blank line; a comma when none does.</summary>
    private char DetectDelimiter()
    {
        for (var i = 0; TryGet(i, out var line) && i < MaxLinesPerRow; i++)
        {
            if (line.Text.Any(c => !char.IsWhiteSpace(c)))
            {
                return DetectDelimiter(line.Text);
            }
        }

        return ',';
    }

    internal static char DetectDelimiter(string line)
    {
        ReadOnlySpan<char> candidates = [',', ';', '\t', '|'];
        var counts = new int[candidates.Length];
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && candidates.IndexOf(c) is >= 0 and var index)
            {
                counts[index]++;
            }
        }

        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return candidates[best];
    }

    private readonly record struct PhysicalLine(long Number, string Text, bool TooLong);

    /// <summary>
    /// Physical lines as an editor counts them: CRLF, LF or a lone CR ends a line; a final line break adds no empty line.
    /// A line over <see cref="MaxLineChars"/> is cut (and marked) instead of growing without bound.
    /// </summary>
    private sealed class PhysicalLines(TextReader reader)
    {
        private readonly char[] _buffer = new char[1 << 16];
        private readonly StringBuilder _long = new();
        private int _pos;
        private int _len;
        private long _number;

        public bool TryRead(out PhysicalLine line)
        {
            _long.Clear();
            var started = false;
            var tooLong = false;
            while (true)
            {
                if (_pos == _len && !Fill())
                {
                    line = new PhysicalLine(_number + 1, _long.ToString(), tooLong);
                    if (!started)
                    {
                        return false;
                    }

                    _number++;
                    return true;
                }

                started = true;
                var span = _buffer.AsSpan(_pos, _len - _pos);
                var end = span.IndexOfAny('\r', '\n');
                if (end < 0)
                {
                    Append(span, ref tooLong);
                    _pos = _len;
                    continue;
                }

                string text;
                if (_long.Length == 0 && !tooLong && end <= MaxLineChars)
                {
                    text = new string(span[..end]);
                }
                else
                {
                    Append(span[..end], ref tooLong);
                    text = _long.ToString();
                }

                var terminator = span[end];
                _pos += end + 1;
                if (terminator == '\r' && (_pos < _len || Fill()) && _buffer[_pos] == '\n')
                {
                    _pos++;
                }

                _number++;
                line = new PhysicalLine(_number, text, tooLong);
                return true;
            }
        }

        private void Append(ReadOnlySpan<char> part, ref bool tooLong)
        {
            if (!tooLong && _long.Length + part.Length > MaxLineChars)
            {
                // Keep only the start, as the refused line's sample.
                tooLong = true;
                _long.Length = Math.Min(_long.Length, KeptOfLongLine);
            }

            if (!tooLong)
            {
                _long.Append(part);
            }
            else if (_long.Length < KeptOfLongLine)
            {
                _long.Append(part[..Math.Min(part.Length, KeptOfLongLine - _long.Length)]);
            }
        }

        private const int KeptOfLongLine = 500;

        private bool Fill()
        {
            _len = reader.Read(_buffer, 0, _buffer.Length);
            _pos = 0;
            return _len > 0;
        }
    }
}
