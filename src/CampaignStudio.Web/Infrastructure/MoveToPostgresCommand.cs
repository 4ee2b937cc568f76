using CampaignStudio.Data;
using CampaignStudio.Data.Move;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// <c>dotnet run --project src/CampaignStudio.Web -- move-to-postgres "Host=...;Database=..."</c>: copies this studio's
/// SQLite database (found through the usual configuration: Database:DataFolder / ConnectionString) into an empty
/// PostgreSQL database and prints the row counts of both, table by table. Exit code 0 only when every count matches.
/// </summary>
public static class MoveToPostgresCommand
{
    public const string Name = "move-to-postgres";

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Name;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || string.IsNullOrWhiteSpace(args[1]))
        {
            Console.Error.WriteLine($"Usage: {Name} \"Host=...;Database=...;Username=...;Password=...\" [--Database:DataFolder=<folder of the SQLite studio>]");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(args[2..]);
        var source = DependencyInjection.ReadOptions(builder.Configuration, builder.Environment.ContentRootPath);
        Console.WriteLine($"Moving {source.ConnectionString} into PostgreSQL…");
        try
        {
            var tables = await new SqliteToPostgresMover(source, args[1]).MoveAsync(Console.Out);
            Console.WriteLine();
            Console.WriteLine($"{"table",-28} {"SQLite",12} {"PostgreSQL",12}");
            foreach (var table in tables)
            {
                Console.WriteLine($"{table.Table,-28} {table.SourceRows,12:N0} {table.TargetRows,12:N0}{(table.Matches ? "" : "  MISMATCH")}");
            }

            var ok = tables.All(t => t.Matches);
            Console.WriteLine(ok
                ? "Every table matches. Start the studio with Database__Provider=Postgres and Database__ConnectionString set to the target."
                : "Counts differ: do not switch; the SQLite studio is unchanged.");
            return ok ? 0 : 1;
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }
}
