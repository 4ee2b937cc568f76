namespace CampaignStudio.Bench;

/// <summary>A temp folder outside the repository for the generated CSV and the SQLite file.</summary>
public sealed class BenchWorkspace
{
    private BenchWorkspace(string folder) => Folder = folder;

    public string Folder { get; }

    public string CsvPath => Path.Combine(Folder, "customers.csv");

    public string DatabasePath => Path.Combine(Folder, "bench.db");

    public static BenchWorkspace Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), "campaignstudio-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        return new BenchWorkspace(folder);
    }

    public void Delete()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
