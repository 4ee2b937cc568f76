using MimeKit;

namespace CampaignStudio.Messaging.Transport;

/// <summary>
/// Writes each message as an <c>.eml</c> file into a folder: the default, so the studio works without a mail server.
/// A file appears complete or not at all (written under a temporary name, then renamed), so a reader never sees half a message.
/// </summary>
public sealed class PickupFolderTransport : IMailTransport
{
    private readonly string _folder;
    private readonly TimeProvider _clock;

    /// <param name="clock">Stamps the file names, so they sort in the order the messages left.</param>
    public PickupFolderTransport(string folder, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _clock = clock ?? TimeProvider.System;
        _folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(_folder);
    }

    public string Folder => _folder;

    public Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default) => SendAsync(message, null, cancellationToken);

    /// <summary>Writes the return path as the Return-Path header, as the delivering server would, so the outbox shows it.</summary>
    public async Task<SendResult> SendAsync(MimeMessage message, string? returnPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (returnPath is not null)
        {
            message.Headers.Replace(HeaderId.ReturnPath, $"<{returnPath}>");
        }

        var name = $"{_clock.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(_folder, name + ".tmp");
        var final = Path.Combine(_folder, name + ".eml");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await message.WriteToAsync(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }

            File.Move(temporary, final);
            return SendResult.Sent(final);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temporary);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            // A full or read-only disk may recover; the message itself is fine.
            return SendResult.Transient(null, $"Could not write to the pickup folder: {ex.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
