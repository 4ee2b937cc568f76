using System.Text.RegularExpressions;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.TestSupport.Bounces;
using MimeKit;

namespace CampaignStudio.Sending.Tests.Support;

/// <summary>
/// Bounce mails for messages the pipeline really sent: a corpus mail (real postfix output, or a real-world shape) with its
/// return address, Message-ID, recipient and our recipient header replaced by those of the sent message, and a Message-ID
/// of its own, as the bouncing server would have written it for this message.
/// </summary>
public static partial class BounceDrops
{
    /// <summary>The ledger id each corpus mail was made for.</summary>
    private static readonly Dictionary<string, (long Id, string Recipient)> Made = new()
    {
        ["postfix-unknown-user.eml"] = (4242, "nobody-here@shop.example"),
        ["postfix-no-return-address.eml"] = (4343, "gone-away@shop.example"),
        ["exchange-recipient-not-found.eml"] = (5001, "someone@contoso.com"),
        ["gmail-mailbox-full.eml"] = (5002, "full.inbox@gmail.com"),
        ["out-of-office.eml"] = (5003, "anna@customer.example"),
        ["qmail-no-mailbox.eml"] = (5004, "someone@oldhost.example"),
        ["arf-complaint.eml"] = (5005, "redacted@hotmail.example"),
    };

    public static MimeMessage For(string corpusFile, MimeMessage sent, DateTimeOffset? date = null)
    {
        var (id, recipient) = Made[corpusFile];
        var text = File.ReadAllText(Path.Combine(DovecotServer.CorpusFolder, corpusFile));
        var returnPath = sent.Headers[HeaderId.ReturnPath]?.Trim().Trim('<', '>') ?? throw new InvalidOperationException("The sink recorded no return path.");
        text = Regex.Replace(text, $@"bounces\+{id}-[a-z2-7]{{16}}@bounce\.shop\.example", returnPath);
        text = text.Replace($"corpus-{id}@shop.example", sent.MessageId, StringComparison.Ordinal)
            .Replace($"{MessageBuilder.RecipientHeader}: {id}", $"{MessageBuilder.RecipientHeader}: {sent.Headers[MessageBuilder.RecipientHeader]}", StringComparison.Ordinal)
            .Replace(recipient, sent.To.Mailboxes.Single().Address, StringComparison.Ordinal);
        var mail = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));
        mail.MessageId = $"drop-{Guid.NewGuid():N}@bounce.test";
        if (date is { } when)
        {
            mail.Date = when;
        }

        return mail;
    }
}
