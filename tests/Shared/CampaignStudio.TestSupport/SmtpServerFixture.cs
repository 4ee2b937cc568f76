using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Transport;
using MimeKit;
using Xunit;

namespace CampaignStudio.TestSupport;

/// <summary>A real SMTP server (Debian's aiosmtpd) on a free loopback port, saving messages into a temporary folder.</summary>
public sealed class SmtpServerFixture : IAsyncLifetime
{
    public const int TempfailTimes = 2;

    private readonly StringBuilder _errors = new();
    private Process? _process;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "cs-smtp-" + Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "smtp", "smtp_sink.py"));
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(Folder);
        start.ArgumentList.Add("--tempfail-times");
        start.ArgumentList.Add(TempfailTimes.ToString(CultureInfo.InvariantCulture));

        _process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();

        // Wait on the server's own signal, then prove the port accepts connections.
        var ready = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (ready is null || !ready.StartsWith("READY ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The SMTP sink did not start: {ready} {Errors}");
        }

        Port = int.Parse(ready["READY ".Length..], CultureInfo.InvariantCulture);
        using var probe = new TcpClient();
        await probe.ConnectAsync(IPAddress.Loopback, Port);
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            finally
            {
                process.Dispose();
            }
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public SmtpOptions Options(int connections = 1) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Security = SmtpSecurity.None,
        Connections = connections,
        TimeoutSeconds = 15,
    };

    /// <summary>Messages the server accepted for one campaign (tests share the server, each uses its own campaign id).</summary>
    public List<MimeMessage> MessagesOf(int campaignId) => FilesOf(campaignId).Select(f => MimeMessage.Load(f)).ToList();

    /// <summary>The files of <see cref="MessagesOf"/>, byte for byte as the server received them (for verifiers that read raw mail).</summary>
    public List<string> FilesOf(int campaignId)
    {
        var id = campaignId.ToString(CultureInfo.InvariantCulture);
        return Directory.GetFiles(Folder, "*.eml")
            .Where(f => MimeMessage.Load(f).Headers[MessageBuilder.CampaignHeader] == id)
            .ToList();
    }
}
