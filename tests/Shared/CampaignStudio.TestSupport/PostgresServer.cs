using System.Diagnostics;
using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CampaignStudio.TestSupport;

/// <summary>
/// A real PostgreSQL server for the tests of one process: Debian's binaries, <c>initdb</c> into a temp folder (trust
/// authentication on 127.0.0.1 only, fsync off), <c>postgres</c> started as a plain child process on a free port.
/// Started once on first use, stopped and deleted when the process exits. A template database migrated with the real
/// PostgreSQL migrations makes each fresh test database a cheap file copy (<c>CREATE DATABASE ... TEMPLATE</c>).
/// </summary>
public sealed class PostgresServer
{
    public const string BinFolderVariable = "CAMPAIGNSTUDIO_PG_BIN";
    private const string TemplateDatabase = "studio_template";
    private const string FolderPrefix = "cs-pg-";

    private static readonly Lazy<Task<PostgresServer>> _shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly SemaphoreSlim _createDatabase = new(1, 1);
    private readonly Process _process;
    private int _stopped;

    private PostgresServer(string folder, int port, Process process)
    {
        Folder = folder;
        Port = port;
        _process = process;
    }

    public string Folder { get; }

    public int Port { get; }

    /// <summary>The server of this test run, started on first call.</summary>
    public static Task<PostgresServer> SharedAsync() => _shared.Value;

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Each test database gets its own pool; keep them small so many classes fit under max_connections.
        MaxPoolSize = 20,
        IncludeErrorDetail = true,
    }.ToString();

    /// <summary>A new, empty database migrated to the latest PostgreSQL migration; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, bool migrated = true)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..16];
        // CREATE DATABASE refuses a template that another CREATE DATABASE is copying at the same moment.
        await _createDatabase.WaitAsync();
        try
        {
            await ExecuteAsync(migrated ? $"CREATE DATABASE \"{name}\" TEMPLATE \"{TemplateDatabase}\"" : $"CREATE DATABASE \"{name}\"");
        }
        finally
        {
            _createDatabase.Release();
        }

        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using (var connection = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        using (var studio = new NpgsqlConnection(DependencyInjection.WithoutJit(connectionString)))
        {
            NpgsqlConnection.ClearPool(studio);
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Where Debian puts the server binaries: /usr/lib/postgresql/&lt;version&gt;/bin, newest version first.</summary>
    public static string? FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable(BinFolderVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(Path.Combine(configured, "postgres")) ? configured : null;
        }

        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }

        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
            .Where(x => File.Exists(Path.Combine(x.Bin, "postgres")) && File.Exists(Path.Combine(x.Bin, "initdb")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Bin)
            .FirstOrDefault();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        // xunit 2 cannot skip a test at run time, so missing binaries fail with a message that says what to do.
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found in /usr/lib/postgresql/<version>/bin (or $" + BinFolderVariable + "). " +
            "Install them with `sudo apt-get install postgresql`, or run ./test.sh, which installs them when missing.");
        StopLeftovers();

        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var data = Path.Combine(folder, "data");
        if (RunsAsRoot)
        {
            // PostgreSQL refuses to run as root: the server runs as the 'postgres' user the Debian package creates.
            await RunAsync("chown", ["-R", "postgres:postgres", folder]);
        }

        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"], asServer: true);

        var port = FreePort.Next();
        var start = ServerStartInfo(Path.Combine(bin, "postgres"),
        [
            "-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + folder,
            // Test data is disposable: durability off makes every commit and CREATE DATABASE much cheaper.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=300", "-c", "shared_buffers=128MB",
        ]);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start postgres.");
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var server = new PostgresServer(folder, port, process);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        try
        {
            await server.WaitUntilReadyAsync(log);
            await server.ExecuteAsync($"CREATE DATABASE \"{TemplateDatabase}\"");
            var template = server.ConnectionString(TemplateDatabase);
            var builder = new DbContextOptionsBuilder<AppDbContext>();
            DependencyInjection.Configure(builder, new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = template });
            await DatabaseMigrator.MigrateAsync(new OptionsFactory(builder.Options));

            // A template must have no open sessions while it is copied. The studio's contexts connect with their own
            // options (JIT off), which is another pool than the plain connection string's.
            using var connection = new NpgsqlConnection(DependencyInjection.WithoutJit(template));
            NpgsqlConnection.ClearPool(connection);
        }
        catch
        {
            server.Stop();
            throw;
        }

        return server;
    }

    private async Task WaitUntilReadyAsync(System.Text.StringBuilder log)
    {
        // Waits on the condition itself (a successful connection), bounded so a broken server fails the run; a real
        // process starting, so real time.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with code {_process.ExitCode}:\n{log}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false;Timeout=2");
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// Kills the server (its data is disposable, so no clean shutdown is needed), then deletes the folder. Quick on purpose:
    /// it runs while the test process exits, which does not wait long. Idempotent.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        TryDelete(Folder);
    }

    /// <summary>Servers of earlier test runs that were killed before they could clean up (their owner process is gone).</summary>
    private static void StopLeftovers()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var ownerFile = Path.Combine(folder, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || IsAlive(owner))
            {
                continue;
            }

            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && IsAlive(postmaster))
            {
                try
                {
                    Process.GetProcessById(postmaster).Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Exited meanwhile.
                }
            }

            TryDelete(folder);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless; the next run removes it.
        }
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static ProcessStartInfo ServerStartInfo(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (RunsAsRoot)
        {
            // setpriv execs the server itself (runuser would stay as a parent process): killing our child kills postgres.
            info.FileName = "setpriv";
            foreach (var argument in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--", file])
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            info.FileName = file;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static async Task RunAsync(string file, IEnumerable<string> arguments, bool asServer = false)
    {
        var info = asServer ? ServerStartInfo(file, arguments) : new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }


    private sealed class OptionsFactory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}
