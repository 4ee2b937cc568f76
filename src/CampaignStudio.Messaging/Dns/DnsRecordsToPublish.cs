using System.Net;
using CampaignStudio.Messaging.Dkim;

namespace CampaignStudio.Messaging.Dns;

/// <summary>What the studio sends as, for the DNS records and their check.</summary>
/// <param name="FromDomain">The domain of the sender address (what recipients see).</param>
/// <param name="DkimDomain">The signing domain (d=); null while signing is off.</param>
/// <param name="DkimPublicKey">Base64 of our public key; null while signing is off.</param>
/// <param name="ReturnPathDomain">The envelope sender's domain, where SPF is checked.</param>
/// <param name="SendingHost">The SMTP server mail leaves through (a name or an address); null when mail goes to the pickup folder.</param>
public sealed record SendingDomains(string FromDomain, string? DkimDomain, string? DkimSelector, string? DkimPublicKey, string ReturnPathDomain, string? SendingHost)
{
    public bool SigningIsSet => DkimDomain is { Length: > 0 } && DkimSelector is { Length: > 0 } && DkimPublicKey is { Length: > 0 };
}

/// <summary>A TXT record to publish; <see cref="Strings"/> is the value cut into the 255-character strings DNS allows.</summary>
public sealed record DnsRecordToPublish(string Purpose, string Name, string Type, string Value, IReadOnlyList<string> Strings, string Why);

/// <summary>The DNS records a shop publishes so its mail is trusted: DKIM, an SPF suggestion and a DMARC starter.</summary>
public static class DnsRecordsToPublish
{
    public const int MaxTxtString = 255;

    public static IReadOnlyList<DnsRecordToPublish> For(SendingDomains domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var records = new List<DnsRecordToPublish>();
        if (domains.SigningIsSet)
        {
            records.Add(Txt("DKIM", DkimKeys.RecordName(domains.DkimSelector!, domains.DkimDomain!), DkimKeys.RecordText(domains.DkimPublicKey!),
                "Lets receivers check the signature on every message. Publish it before turning the key on, or signed mail fails the check."));
        }

        records.Add(Txt("SPF", domains.ReturnPathDomain, SuggestedSpf(domains.SendingHost),
            "Names the servers allowed to send for this domain. A suggestion: if the domain already has an SPF record, add the mechanism to it instead (one SPF record per domain)."));
        var organisation = OrganisationalDomain.Of(domains.FromDomain);
        records.Add(Txt("DMARC", "_dmarc." + organisation, $"v=DMARC1; p=none; rua=mailto:dmarc-reports@{organisation}",
            "A starter: p=none only asks for reports (to dmarc-reports@, create that mailbox). Move to p=quarantine once the reports show all your mail passing."));
        return records;
    }

    /// <summary>The SPF mechanism naming the sending server: ip4:/ip6: for an address, a: for a name, mx when mail goes nowhere yet.</summary>
    public static string SendingHostMechanism(string? sendingHost)
    {
        if (string.IsNullOrWhiteSpace(sendingHost))
        {
            return "mx";
        }

        var host = sendingHost.Trim().ToLowerInvariant();
        return IPAddress.TryParse(host, out var address)
            ? (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ip6:" : "ip4:") + host
            : "a:" + host;
    }

    public static string SuggestedSpf(string? sendingHost) => $"v=spf1 {SendingHostMechanism(sendingHost)} ~all";

    /// <summary>Cuts a TXT value into strings of at most 255 characters (one DNS character-string each).</summary>
    public static IReadOnlyList<string> SplitTxt(string value, int max = MaxTxtString)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var parts = new List<string>();
        for (var start = 0; start < value.Length; start += max)
        {
            parts.Add(value.Substring(start, Math.Min(max, value.Length - start)));
        }

        return parts.Count == 0 ? [""] : parts;
    }

    private static DnsRecordToPublish Txt(string purpose, string name, string value, string why) => new(purpose, name, "TXT", value, SplitTxt(value), why);
}
