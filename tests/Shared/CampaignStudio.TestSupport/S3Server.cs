using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace CampaignStudio.TestSupport;

/// <summary>
/// A real S3-compatible server (npm's s3rver, run by Node.js as a plain process) on 127.0.0.1 and a free port, keeping its
/// buckets in a temporary folder. It knows one access key (<see cref="AccessKey"/>) and refuses others as S3 does; it does not
/// check SigV4 signatures, so a wrong secret key passes here. ./test.sh installs it (tests/Shared/s3rver, npm ci).
/// </summary>
public sealed partial class S3Server : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private S3Server(Process process, string folder)
    {
        _process = process;
        Folder = folder;
    }

    public string Folder { get; }

    public string ServiceUrl { get; private set; } = "";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the server with these buckets already made.</summary>
    public static async Task<S3Server> StartAsync(params string[] buckets)
    {
        var script = FindScript();
        var folder = Path.Combine(Path.GetTempPath(), "cs-s3-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { script, "--directory", folder, "--address", "127.0.0.1", "--port", "0", "--no-vhost-buckets" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var bucket in buckets)
        {
            start.ArgumentList.Add("--configure-bucket");
            start.ArgumentList.Add(bucket);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var server = new S3Server(process, folder);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null)
            {
                listening.TrySetException(new InvalidOperationException($"s3rver stopped: {server.Log}"));
                return;
            }

            lock (server._log)
            {
                server._log.AppendLine(line);
            }

            // s3rver says where it listens once its socket is bound (port 0 picks a free one).
            if (Listening().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Read(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.ServiceUrl = "http://" + await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The studio's <c>Assets:S3:*</c> settings for a bucket of this server.</summary>
    public Dictionary<string, string?> StudioSettings(string bucket) => new()
    {
        ["Assets:S3:ServiceUrl"] = ServiceUrl,
        ["Assets:S3:Bucket"] = bucket,
        ["Assets:S3:AccessKey"] = AccessKey,
        ["Assets:S3:SecretKey"] = SecretKey,
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Temp leftovers are harmless.
        }
    }

    /// <summary>s3rver's command, installed by ./test.sh under the repository's tests/Shared/s3rver.</summary>
    private static string FindScript()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var package = Path.Combine(folder.FullName, "tests", "Shared", "s3rver");
            if (Directory.Exists(package))
            {
                var script = Path.Combine(package, "node_modules", "s3rver", "bin", "s3rver.js");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException($"s3rver is not installed: run `npm ci` in {package} (./test.sh does), with Node.js (apt-get install nodejs npm).");
            }
        }

        throw new InvalidOperationException("tests/Shared/s3rver was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"S3rver listening on (\S+:\d+)")]
    private static partial Regex Listening();
}
