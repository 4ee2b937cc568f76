using System.Text;

namespace CampaignStudio.Data.Tests.Support;

/// <summary>Builds CSV files line by line, so a test shows exactly which line is bad.</summary>
public sealed class CsvTestBuilder(params string[] header)
{
    private readonly List<string> _lines = [string.Join(',', header)];

    public CsvTestBuilder Row(string line)
    {
        _lines.Add(line);
        return this;
    }

    public CsvTestBuilder Rows(int count, Func<int, string> line)
    {
        for (var i = 0; i < count; i++)
        {
            _lines.Add(line(i));
        }

        return this;
    }

    public MemoryStream ToStream() => new(Encoding.UTF8.GetBytes(string.Join("\n", _lines) + "\n"));
}
