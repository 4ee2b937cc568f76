using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Campaigns;

namespace CampaignStudio.Messaging.Bounces;

/// <summary>
/// The per-message return address (VERP): <c>bounces+{message id}-{tag}@{bounce domain}</c>, where the tag is a MAC of the
/// message id under the studio's return-address key, so a bounce names its message without parsing prose and a forged
/// address names none. Not a Data Protection token: those are ~110 characters and case-sensitive, while a local part may
/// hold 64 and mail servers lower-case it; this one is lower-case base32 and at most ~45 characters.
/// </summary>
public sealed partial class ReturnAddresses
{
    private readonly MessageReferences _references;
    private readonly string _local;
    private readonly string _domain;

    /// <param name="mailbox">The bounce mailbox, e.g. <c>bounces@bounce.shop.example</c>; the message's part goes after a '+'.</param>
    /// <param name="key">At least 32 random bytes, the same on every studio instance.</param>
    public ReturnAddresses(string mailbox, byte[] key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailbox);
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1 || mailbox.Contains('+', StringComparison.Ordinal))
        {
            throw new ArgumentException("The bounce mailbox must be a plain address such as bounces@bounce.shop.example.", nameof(mailbox));
        }

        _local = mailbox[..at].Trim().ToLowerInvariant();
        _domain = mailbox[(at + 1)..].Trim().ToLowerInvariant();
        _references = new MessageReferences(key);
    }

    /// <summary>The bounce mailbox itself (where every return address arrives).</summary>
    public string Mailbox => $"{_local}@{_domain}";

    /// <summary>The return address of one message the send pipeline holds the lease on.</summary>
    public string For(MessageDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return For(delivery.MessageId);
    }

    /// <summary>Finds our return addresses anywhere in <paramref name="text"/> (headers, a quoted message) and reads the first genuine one.</summary>
    public bool TryFind(string? text, out long messageId)
    {
        messageId = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        foreach (Match match in Candidate().Matches(text))
        {
            if (string.Equals(match.Groups["local"].Value, _local, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(match.Groups["id"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                && _references.IsTag(id, match.Groups["tag"].Value))
            {
                messageId = id;
                return true;
            }
        }

        return false;
    }

    /// <summary>The signed message names made with the same key (the part after the '+').</summary>
    public MessageReferences References => _references;

    internal string For(long messageId) => $"{_local}+{_references.For(messageId)}@{_domain}";

    [GeneratedRegex(@"(?<local>[A-Za-z0-9._-]+)\+(?<id>[0-9]{1,19})-(?<tag>[A-Za-z2-7]{16})@", RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();
}
