using System.Text;

namespace CampaignStudio.Bench;

/// <summary>
/// bench/RESULTS.md as one section per benchmark between marker comments: a run rewrites its own section and keeps
/// the others, so running only <c>grid</c> does not lose the last <c>import</c> numbers. A <c>notes</c> section
/// (written by hand: analysis and suggested fixes) is kept as it is.
/// </summary>
public sealed class ResultsFile(string path)
{
    private static readonly string[] Order = ["import", "grid", "coldstart", "segments", "postgres", "kmeans", "experiments", "predictive", "campaigns", "notes"];

    public string Path { get; } = path;

    public void Write(string section, string markdown)
    {
        var sections = Read();
        sections[section] = markdown.Trim();
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results");
        text.AppendLine();
        text.AppendLine("Written by `bench/CampaignStudio.Bench` (see bench/README.md). Each run rewrites the section of the benchmark it ran and keeps the others,");
        text.AppendLine("so sections can come from different runs: each names its own machine, commit and date.");
        foreach (var name in Order.Concat(sections.Keys.Except(Order).Order(StringComparer.Ordinal)))
        {
            if (sections.TryGetValue(name, out var body))
            {
                text.AppendLine();
                text.AppendLine(Start(name));
                text.AppendLine(body);
                text.AppendLine(End(name));
            }
        }

        File.WriteAllText(Path, text.ToString().ReplaceLineEndings("\n"));
    }

    private Dictionary<string, string> Read()
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(Path))
        {
            return sections;
        }

        // Every marked section, not only the known ones: a benchmark added later must not erase another's numbers.
        var text = File.ReadAllText(Path);
        var names = System.Text.RegularExpressions.Regex.Matches(text, "<!-- bench:([a-z0-9-]+) -->").Select(m => m.Groups[1].Value);
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            var start = text.IndexOf(Start(name), StringComparison.Ordinal);
            var end = text.IndexOf(End(name), StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                sections[name] = text[(start + Start(name).Length)..end].Trim();
            }
        }

        return sections;
    }

    private static string Start(string name) => $"<!-- bench:{name} -->";

    private static string End(string name) => $"<!-- /bench:{name} -->";
}
