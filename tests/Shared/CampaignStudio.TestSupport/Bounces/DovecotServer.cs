using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace CampaignStudio.TestSupport.Bounces;

/// <summary>
/// A real IMAP and POP3 server (Debian's dovecot-imapd and dovecot-pop3d) as a plain process on free loopback ports: a
/// minimal configuration in a temporary folder, one user with a Maildir, no TLS. Runs as root with dovecot's own unprivileged users for its
/// internal and login processes, as the package sets them up.
/// </summary>
public sealed class DovecotServer : IAsyncLifetime
{
    public const string User = "bounces";
    public const string Password = "bounce-secret";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "cs-imap-" + Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    /// <summary>The POP3 port of the same mailbox; 0 when dovecot-pop3d is not installed.</summary>
    public int Pop3Port { get; private set; }

    /// <summary>Where Debian's dovecot-pop3d puts its POP3 server.</summary>
    public const string Pop3Binary = "/usr/lib/dovecot/pop3";

    /// <summary>The test corpus of bounce mails (see Bounces/corpus/README.md).</summary>
    public static string CorpusFolder => Path.Combine(AppContext.BaseDirectory, "Bounces", "corpus");

    /// <summary>The key the corpus's return addresses are made with.</summary>
    public static byte[] CorpusKey { get; } = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public const string CorpusMailbox = "bounces@bounce.shop.example";

    public static MimeMessage Corpus(string name) => MimeMessage.Load(Path.Combine(CorpusFolder, name));

    public async Task InitializeAsync()
    {
        Port = FreePort.Next();
        Pop3Port = File.Exists(Pop3Binary) ? FreePort.Next() : 0;
        var mail = Path.Combine(Folder, "mail");
        Directory.CreateDirectory(mail);
        Directory.CreateDirectory(Path.Combine(Folder, "run"));
        Directory.CreateDirectory(Path.Combine(Folder, "state"));
        await File.WriteAllTextAsync(Path.Combine(Folder, "users"), $"{User}:{{PLAIN}}{Password}\n");
        await File.WriteAllTextAsync(Path.Combine(Folder, "dovecot.conf"), $$"""
            base_dir = {{Folder}}/run
            state_dir = {{Folder}}/state
            log_path = /dev/stderr
            protocols = imap{{(Pop3Port > 0 ? " pop3" : "")}}
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mail}}/%u
            default_internal_user = dovecot
            default_login_user = dovenull
            first_valid_uid = 1
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{Folder}}/users
            }
            userdb {
              driver = static
              args = uid=dovecot gid=dovecot home={{mail}}/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            """ + (Pop3Port > 0 ? $$"""

            service pop3-login {
              inet_listener pop3 {
                address = 127.0.0.1
                port = {{Pop3Port}}
              }
              inet_listener pop3s {
                port = 0
              }
            }
            """ : ""));

        // The mail folder belongs to the user dovecot runs mail processes as.
        await RunAsync("/bin/chown", "-R", "dovecot:dovecot", mail);
        var start = new ProcessStartInfo("/usr/sbin/dovecot") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-F", "-c", Path.Combine(Folder, "dovecot.conf") })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("dovecot did not start");
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        // Ready when the server greets a client; the process may take a moment to bind.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = await ConnectAsync();
                return;
            }
            catch (Exception ex) when (ex is SocketException or IOException or ImapProtocolException && DateTime.UtcNow < until && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A signed-in IMAP client (the test's own, for putting mail in and looking at folders).</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback.ToString(), Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(User, Password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Puts mails into the inbox, as the delivering server would.</summary>
    public async Task DeliverAsync(IEnumerable<MimeMessage> mails)
    {
        using var client = await ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        foreach (var mail in mails)
        {
            await client.Inbox.AppendAsync(mail);
        }

        await client.DisconnectAsync(true);
    }

    /// <summary>How many mails each folder holds (the inbox as "INBOX").</summary>
    public async Task<Dictionary<string, int>> CountsAsync()
    {
        using var client = await ConnectAsync();
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var folder in await client.GetFoldersAsync(client.PersonalNamespaces[0]))
        {
            await folder.OpenAsync(FolderAccess.ReadOnly);
            result[folder.FullName] = folder.Count;
            await folder.CloseAsync();
        }

        await client.DisconnectAsync(true);
        return result;
    }

    public string Errors
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            // dovecot -F stops cleanly on SIGTERM; Kill sends SIGKILL, so ask with kill(1) first.
            try
            {
                await RunAsync("/bin/kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
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

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}");
        }
    }
}
