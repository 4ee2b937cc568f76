using System.Globalization;

namespace CampaignStudio.Analytics.Tests.Experiments;

/// <summary>
/// Kevin Hillstrom's MineThatData e-mail test (64,000 customers), read from the shared data folder;
/// the file is never copied into the repository. Minimal parser: quoted fields (history_segment has
/// "$1,000") are honoured, escaped quotes inside fields do not occur in this file.
/// </summary>
internal sealed class HillstromData
{
    public const string Path = "/work/shared/data/hillstrom.csv";
    public const string Control = "No E-Mail";
    public const string Mens = "Mens E-Mail";
    public const string Womens = "Womens E-Mail";

    private static readonly Lazy<HillstromData> Loaded = new(() => Read(Path));

    private HillstromData(List<Row> rows) => Rows = rows;

    public IReadOnlyList<Row> Rows { get; }

    public static HillstromData Instance => Loaded.Value;

    public IEnumerable<Row> InArm(string segment) => Rows.Where(r => r.Segment == segment);

    private static HillstromData Read(string path)
    {
        using var reader = new StreamReader(path);
        var header = Split(reader.ReadLine()!);
        int Col(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"No column {name}.");
        int recency = Col("recency"), history = Col("history"), mens = Col("mens"), womens = Col("womens"),
            zip = Col("zip_code"), newbie = Col("newbie"), channel = Col("channel"), segment = Col("segment"),
            visit = Col("visit"), conversion = Col("conversion"), spend = Col("spend");

        var rows = new List<Row>(64_000);
        while (reader.ReadLine() is { } line)
        {
            // CRLF file: ReadLine strips '\n' and '\r\n', but be explicit in case of a stray '\r'.
            var f = Split(line);
            if (f.Length < header.Length)
            {
                continue;
            }

            rows.Add(new Row(
                int.Parse(f[recency], CultureInfo.InvariantCulture),
                double.Parse(f[history], CultureInfo.InvariantCulture),
                f[mens] == "1",
                f[womens] == "1",
                f[zip],
                f[newbie] == "1",
                f[channel],
                f[segment],
                f[visit] == "1",
                f[conversion] == "1",
                double.Parse(f[spend], CultureInfo.InvariantCulture)));
        }

        return new HillstromData(rows);
    }

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in line.TrimEnd('\r'))
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (ch == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        fields.Add(current.ToString());
        return [.. fields];
    }

    internal sealed record Row(
        int Recency, double History, bool Mens, bool Womens, string ZipCode, bool Newbie, string Channel,
        string Segment, bool Visit, bool Conversion, double Spend);
}
