using System.Net.Sockets;
using System.Threading.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace CampaignStudio.Messaging.Transport;

/// <summary>
/// Sends over SMTP with a pool of reused connections, each used by one send at a time.
/// Thread-safe; register as a singleton and dispose at shutdown.
/// </summary>
public sealed partial class SmtpMailTransport : IMailTransport, IAsyncDisposable
{
    /// <summary>A connection idle this long is probed with NOOP first: relays drop idle clients.</summary>
    private static readonly TimeSpan IdleProbeAfter = TimeSpan.FromSeconds(30);

    private readonly SmtpOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PooledConnection> _idle;
    private readonly PooledConnection[] _connections;
    private int _disposed;

    public SmtpMailTransport(SmtpOptions options, ILogger<SmtpMailTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Connections, 1);
        _options = options;
        _logger = logger ?? NullLogger<SmtpMailTransport>.Instance;
        _connections = Enumerable.Range(0, options.Connections).Select(_ => new PooledConnection(this)).ToArray();
        _idle = Channel.CreateUnbounded<PooledConnection>();
        foreach (var connection in _connections)
        {
            _idle.Writer.TryWrite(connection);
        }
    }

    public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) => SendAsync(message, null, cancellationToken);

    public async Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = await _idle.Reader.ReadAsync(cancellationToken);
        try
        {
            return await connection.SendAsync(message, returnPath, cancellationToken);
        }
        finally
        {
            _idle.Writer.TryWrite(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var connection in _connections)
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>4xx replies are worth a retry, 5xx replies are final; anything else (no reply at all) is transient.</summary>
    internal static SendResult Classify(SmtpCommandException ex)
    {
        var code = (int)ex.StatusCode;
        var recipient = ex.Mailbox?.Address;
        var detail = ex.Message;
        return code is >= 500 and < 600
            ? SendResult.Permanent(code, detail, recipient)
            : SendResult.Transient(code is >= 400 and < 500 ? code : null, detail, recipient);
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = _options.TimeoutSeconds * 1000 };
        if (!string.IsNullOrWhiteSpace(_options.LocalDomain))
        {
            client.LocalDomain = _options.LocalDomain;
        }

        if (_options.AcceptInvalidCertificates)
        {
            client.ServerCertificateValidationCallback = static (_, _, _, _) => true;
        }

        // MailKit's own socket keeps Nagle on; with delayed ACKs a loopback relay then manages ~20 messages a second.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, cancellationToken);
            await client.ConnectAsync(socket, _options.Host, _options.Port, SecureOptions(_options.Security), cancellationToken);
            if (!string.IsNullOrEmpty(_options.User))
            {
                await client.AuthenticateAsync(_options.User, _options.Password ?? "", cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }
    }

    private static SecureSocketOptions SecureOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    private static bool IsConnectionFailure(Exception ex) =>
        ex is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
            or AuthenticationException or SslHandshakeException or TimeoutException or ObjectDisposedException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP connection to {Host}:{Port} failed: {Reason}")]
    private static partial void LogConnectionFailed(ILogger logger, string host, int port, string reason);

    private sealed class PooledConnection(SmtpMailTransport owner)
    {
        private SmtpClient? _client;
        private long _lastUsed;

        public async Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken)
        {
            SmtpClient client;
            try
            {
                client = await EnsureConnectedAsync(cancellationToken);
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                LogConnectionFailed(owner._logger, owner._options.Host, owner._options.Port, ex.Message);
                await CloseAsync();
                var code = ex is AuthenticationException ? 535 : (int?)null;
                return SendResult.Transient(code, $"Could not connect to {owner._options.Host}:{owner._options.Port}: {ex.Message}");
            }

            try
            {
                // With a return path the envelope names it (VERP) and lists the header recipients; otherwise MailKit takes both from the headers.
                var response = returnPath is null
                    ? await client.SendAsync(message, cancellationToken)
                    : await client.SendAsync(message, MailboxAddress.Parse(returnPath), message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes),
                        cancellationToken);
                _lastUsed = Environment.TickCount64;
                return SendResult.Sent(response);
            }
            catch (SmtpCommandException ex)
            {
                // A refused command leaves the session usable (MailKit resets it), so the connection stays in the pool.
                _lastUsed = Environment.TickCount64;
                return Classify(ex);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled mid-transaction: the session state is unknown.
                await CloseAsync();
                throw;
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || ex is OperationCanceledException)
            {
                await CloseAsync();
                return SendResult.Transient(null, $"Connection lost while sending: {ex.Message}");
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                // MailKit refuses messages it cannot send (no sender or recipients): retrying will not help.
                return SendResult.Permanent(null, ex.Message);
            }
        }

        public async Task CloseAsync()
        {
            var client = _client;
            _client = null;
            if (client is null)
            {
                return;
            }

            try
            {
                if (client.IsConnected)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(true, timeout.Token);
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || ex is OperationCanceledException or SmtpCommandException)
            {
                // Closing a broken connection may fail; it is discarded either way.
            }
            finally
            {
                client.Dispose();
            }
        }

        private async Task<SmtpClient> EnsureConnectedAsync(CancellationToken cancellationToken)
        {
            if (_client is { IsConnected: true } client)
            {
                if (Environment.TickCount64 - _lastUsed < (long)IdleProbeAfter.TotalMilliseconds)
                {
                    return client;
                }

                try
                {
                    await client.NoOpAsync(cancellationToken);
                    _lastUsed = Environment.TickCount64;
                    return client;
                }
                catch (Exception ex) when (IsConnectionFailure(ex) || ex is SmtpCommandException)
                {
                    await CloseAsync();
                }
            }
            else if (_client is not null)
            {
                await CloseAsync();
            }

            _client = await owner.ConnectAsync(cancellationToken);
            _lastUsed = Environment.TickCount64;
            return _client;
        }
    }
}
