namespace CampaignStudio.Bench;

/// <summary>
/// bench/RESULTS.md as one section per benchmark between marker comments: a run replaces its own section in place and
/// leaves every other byte alone, so running only <c>grid</c> keeps the last <c>import</c> numbers and the hand-written
/// notes between sections (what was measured around a run, what it is compared with) survive every re-run.
/// </summary>
public sealed class ResultsFile(string path)
{
    private const string Header = """
        # Benchmark results

        Written by `bench/CampaignStudio.Bench` (see bench/README.md). Each run rewrites the section of the benchmark it ran and keeps the others,
        so sections can come from different runs: each names its own machine, commit and date.

        """;

    public string Path { get; } = path;

    public void Write(string section, string markdown)
    {
        var block = $"{Start(section)}\n{markdown.Trim().ReplaceLineEndings("\n")}\n{End(section)}";
        var text = File.Exists(Path) ? File.ReadAllText(Path).ReplaceLineEndings("\n") : Header.ReplaceLineEndings("\n");
        var start = text.IndexOf(Start(section), StringComparison.Ordinal);
        var end = text.IndexOf(End(section), StringComparison.Ordinal);
        text = start >= 0 && end > start
            ? string.Concat(text.AsSpan(0, start), block, text.AsSpan(end + End(section).Length))
            : $"{text.TrimEnd('\n')}\n\n{block}\n";
        File.WriteAllText(Path, text);
    }

    private static string Start(string name) => $"<!-- bench:{name} -->";

    private static string End(string name) => $"<!-- /bench:{name} -->";
}
