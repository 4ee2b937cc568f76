using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Messaging.Bounces;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace CampaignStudio.Sending.Bounces;

/// <summary>What one pass over the bounce mailbox did.</summary>
public sealed record MailboxPass(int Read, int Recorded, int AlreadyRecorded, int Suppressed, int NotUnderstood)
{
    public static readonly MailboxPass Nothing = new(0, 0, 0, 0, 0);

    /// <summary>This pass with one more mail read.</summary>
    public MailboxPass Add(BounceRecorded recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return new MailboxPass(Read + 1, Recorded + (recorded.IsNew ? 1 : 0), AlreadyRecorded + (recorded.IsNew ? 0 : 1),
            Suppressed + (recorded.Suppressed ? 1 : 0), NotUnderstood + (recorded.Kind == BounceKind.NotUnderstood ? 1 : 0));
    }
}

/// <summary>
/// Reads the bounce mailbox over IMAP: every mail in the inbox is classified, recorded (once, by its Message-ID) and then
/// moved out — to <see cref="ProcessedFolder"/>, or to <see cref="NotUnderstoodFolder"/> where a person can read it. A
/// crash between recording and moving leaves the mail in the inbox; the next pass finds it recorded and only moves it.
/// Over POP3 (no folders) recorded mail is deleted instead, and mail the studio cannot read stays in the inbox for a
/// person; POP3 deletes only when the session ends cleanly, so a crash deletes nothing.
/// </summary>
public sealed class BounceMailboxReader(BounceMailboxStore store, BounceLedger ledger, TimeProvider clock, ILogger<BounceMailboxReader> log)
{
    public const string ProcessedFolder = "Processed";
    public const string NotUnderstoodFolder = "Not understood";

    /// <summary>Mails recorded before they are moved together: one MOVE per group instead of one per mail.</summary>
    private const int Group = 100;

    public async Task<MailboxPass> ReadOnceAsync(CancellationToken ct)
    {
        var settings = await store.GetAsync(ct);
        var returnAddresses = await store.ReturnAddressesAsync(ct);
        if (!settings.CanRead || returnAddresses is null)
        {
            return MailboxPass.Nothing;
        }

        var pass = settings.Protocol == MailboxProtocol.Pop3
            ? await ReadPop3Async(settings, returnAddresses, ct)
            : await ReadImapAsync(settings, returnAddresses, ct);
        if (pass.Read > 0)
        {
            log.LogInformation("Bounce mailbox: {Read} read, {Recorded} recorded, {Suppressed} suppressions, {NotUnderstood} not understood",
                pass.Read, pass.Recorded, pass.Suppressed, pass.NotUnderstood);
        }

        return pass;
    }

    private async Task<MailboxPass> ReadImapAsync(BounceMailboxSettings settings, ReturnAddresses returnAddresses, CancellationToken ct)
    {
        using var client = new ImapClient();
        await client.ConnectAsync(settings.ImapHost, settings.ImapPort, Security(settings), ct);
        await client.AuthenticateAsync(settings.ImapUser, await store.PasswordAsync(ct), ct);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, ct);
        var processed = await FolderAsync(client, ProcessedFolder, ct);
        var notUnderstood = await FolderAsync(client, NotUnderstoodFolder, ct);

        var pass = MailboxPass.Nothing;
        var uids = await inbox.SearchAsync(SearchQuery.All, ct);
        foreach (var chunk in uids.Chunk(Group))
        {
            var done = new List<UniqueId>(chunk.Length);
            var unread = new List<UniqueId>();
            foreach (var uid in chunk)
            {
                var recorded = await RecordAsync(await inbox.GetMessageAsync(uid, ct), returnAddresses, ct);
                pass = pass.Add(recorded);
                (recorded.Kind == BounceKind.NotUnderstood ? unread : done).Add(uid);
            }

            // Moved only once every mail of the group is recorded: a crash before this line repeats the recording, never skips it.
            if (done.Count > 0)
            {
                await inbox.MoveToAsync(done, processed, ct);
            }

            if (unread.Count > 0)
            {
                await inbox.MoveToAsync(unread, notUnderstood, ct);
            }
        }

        await client.DisconnectAsync(true, ct);
        return pass;
    }

    private async Task<MailboxPass> ReadPop3Async(BounceMailboxSettings settings, ReturnAddresses returnAddresses, CancellationToken ct)
    {
        using var client = new Pop3Client();
        await client.ConnectAsync(settings.ImapHost, settings.ImapPort, Security(settings), ct);
        await client.AuthenticateAsync(settings.ImapUser, await store.PasswordAsync(ct), ct);
        var pass = MailboxPass.Nothing;
        var count = await client.GetMessageCountAsync(ct);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(Group))
        {
            var done = new List<int>(chunk.Length);
            foreach (var index in chunk)
            {
                var recorded = await RecordAsync(await client.GetMessageAsync(index, ct), returnAddresses, ct);
                pass = pass.Add(recorded);
                if (recorded.Kind != BounceKind.NotUnderstood)
                {
                    done.Add(index);
                }
            }

            // Marked once every mail of the group is recorded; the server deletes only at a clean QUIT below.
            if (done.Count > 0)
            {
                await client.DeleteMessagesAsync(done, ct);
            }
        }

        await client.DisconnectAsync(true, ct);
        return pass;
    }

    private async Task<BounceRecorded> RecordAsync(MimeMessage mail, ReturnAddresses returnAddresses, CancellationToken ct) =>
        await ledger.RecordAsync(BounceClassifier.Read(mail, returnAddresses), Facts(mail), ct);

    private static SecureSocketOptions Security(BounceMailboxSettings settings) => settings.Security switch
    {
        MailboxSecurity.None => SecureSocketOptions.None,
        MailboxSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.SslOnConnect,
    };

    /// <summary>The mailbox facts of a mail; a mail without a Message-ID is keyed by a hash of its bytes (the same bytes give the same key).</summary>
    private BounceMail Facts(MimeMessage mail)
    {
        var key = string.IsNullOrWhiteSpace(mail.MessageId) ? "sha256:" + Hash(mail) : mail.MessageId;
        var date = mail.Date == DateTimeOffset.MinValue ? clock.GetUtcNow() : mail.Date;
        return new BounceMail(key, mail.Subject, mail.From.ToString(), date.UtcDateTime);
    }

    private static string Hash(MimeMessage mail)
    {
        using var stream = new MemoryStream();
        mail.WriteTo(stream);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
    }

    private static async Task<IMailFolder> FolderAsync(ImapClient client, string name, CancellationToken ct)
    {
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        try
        {
            return await root.GetSubfolderAsync(name, ct);
        }
        catch (FolderNotFoundException)
        {
            return await root.CreateAsync(name, true, ct) ?? throw new InvalidOperationException($"The mailbox refused to create the folder {name}.");
        }
    }
}
