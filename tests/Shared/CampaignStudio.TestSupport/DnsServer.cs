using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CampaignStudio.TestSupport;

/// <summary>
/// A real DNS server (Debian's dnsmasq) on 127.0.0.1 and a free port, answering the TXT records a test gives it. The domains
/// named in <c>localDomains</c> are its own: a name there without a record is NXDOMAIN, as on a real authoritative server.
/// </summary>
public sealed class DnsServer : IAsyncDisposable
{
    private const string Dnsmasq = "/usr/sbin/dnsmasq";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private DnsServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server as <c>Mail:NameServer</c> names it.</summary>
    public string Address => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

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

    /// <param name="records">TXT records: a name and its strings (each at most 255 characters; no commas, dnsmasq's separator).</param>
    public static async Task<DnsServer> StartAsync(IEnumerable<string> localDomains, IEnumerable<(string Name, IReadOnlyList<string> Strings)> records)
    {
        if (!File.Exists(Dnsmasq))
        {
            throw new InvalidOperationException("dnsmasq is missing: apt-get install dnsmasq-base (./test.sh installs it).");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(Dnsmasq) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--no-daemon", "--conf-file=/dev/null", "--pid-file", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--log-facility=-", "--log-queries",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var domain in localDomains)
        {
            start.ArgumentList.Add($"--local=/{domain}/");
        }

        foreach (var (name, strings) in records)
        {
            if (strings.Any(s => s.Contains(',', StringComparison.Ordinal) || s.Length > 255))
            {
                throw new ArgumentException($"dnsmasq cannot serve '{name}': a string has a comma or is longer than 255 characters.", nameof(records));
            }

            start.ArgumentList.Add($"--txt-record={name},{string.Join(',', strings)}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
        var server = new DnsServer(process, port);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                started.TrySetException(new InvalidOperationException($"dnsmasq stopped: {server.Log}"));
                return;
            }

            lock (server._log)
            {
                server._log.AppendLine(e.Data);
            }

            // dnsmasq logs this once its sockets are bound.
            if (e.Data.Contains("started, version", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return server;
    }

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
    }

    /// <summary>A port free for UDP and TCP on loopback (dnsmasq listens on both).</summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                tcp.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: try another.
            }
        }

        throw new InvalidOperationException("No free port for the DNS server.");
    }
}
