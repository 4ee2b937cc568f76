using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace CampaignStudio.Messaging.Dns;

public enum DnsTopic
{
    Dkim,
    Spf,
    Dmarc,
    Alignment,
}

/// <summary>What the check found; the text says it in words, the code is for programs and tests.</summary>
public enum DnsFindingCode
{
    DkimPublished,
    SigningOff,
    DkimMissing,
    DkimKeyDiffers,
    SpfPublished,
    SpfMissing,
    SpfWithoutSendingHost,
    SpfSeveral,
    DmarcPublished,
    DmarcMissing,
    Aligned,
    DkimNotAligned,
    ReturnPathNotAligned,
    LookupFailed,
}

public sealed record DnsFinding(DnsTopic Topic, DnsFindingCode Code, bool IsOk, string Text);

public sealed record DnsCheckResult(IReadOnlyList<DnsFinding> Findings, string NameServer)
{
    public bool AllGood => Findings.All(f => f.IsOk);
}

/// <summary>
/// Looks up the records of <see cref="DnsRecordsToPublish"/> as the world sees them and says what is missing or misaligned.
/// Asks the configured name server (<see cref="MailOptions.NameServer"/>) or the machine's resolver, never a cache of its own,
/// so a record published a minute ago is seen as soon as the name server sees it.
/// </summary>
public sealed class SendingDnsCheck
{
    private readonly LookupClient _dns;
    private readonly string _nameServer;

    public SendingDnsCheck(string? nameServer = null)
    {
        var options = string.IsNullOrWhiteSpace(nameServer) ? new LookupClientOptions() : new LookupClientOptions(ParseNameServer(nameServer));
        options.UseCache = false;
        options.Timeout = TimeSpan.FromSeconds(3);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        _dns = new LookupClient(options);
        _nameServer = string.IsNullOrWhiteSpace(nameServer) ? "the system's resolver" : nameServer.Trim();
    }

    /// <summary>Reads <c>address</c> or <c>address:port</c> (IPv6 as <c>[address]:port</c>).</summary>
    public static NameServer ParseNameServer(string text)
    {
        var trimmed = text.Trim();
        if (IPEndPoint.TryParse(trimmed, out var endpoint))
        {
            return new NameServer(endpoint.Address, endpoint.Port == 0 ? 53 : endpoint.Port);
        }

        throw new FormatException($"Mail:NameServer must be an IP address, optionally with :port (e.g. 1.1.1.1 or 127.0.0.1:5353), not '{text}'.");
    }

    public async Task<DnsCheckResult> CheckAsync(SendingDomains domains, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var findings = new List<DnsFinding>();
        try
        {
            findings.Add(await CheckDkimAsync(domains, ct));
            findings.Add(await CheckSpfAsync(domains, ct));
            findings.Add(await CheckDmarcAsync(domains, ct));
        }
        catch (DnsResponseException ex)
        {
            findings.Add(new DnsFinding(DnsTopic.Dkim, DnsFindingCode.LookupFailed, false,
                $"Could not ask {_nameServer}: {ex.Message}. Nothing was checked; try again, or set another name server."));
            return new DnsCheckResult(findings, _nameServer);
        }

        findings.AddRange(Alignment(domains));
        return new DnsCheckResult(findings, _nameServer);
    }

    private async Task<DnsFinding> CheckDkimAsync(SendingDomains domains, CancellationToken ct)
    {
        if (!domains.SigningIsSet)
        {
            return new DnsFinding(DnsTopic.Dkim, DnsFindingCode.SigningOff, false,
                "Signing is off: no DKIM key is set. Generate or import one, publish its record, and every message is signed.");
        }

        var name = Dkim.DkimKeys.RecordName(domains.DkimSelector!, domains.DkimDomain!);
        var records = (await TxtAsync(name, ct)).Where(t => Tags(t).ContainsKey("p")).ToList();
        if (records.Count == 0)
        {
            return new DnsFinding(DnsTopic.Dkim, DnsFindingCode.DkimMissing, false,
                $"No DKIM record at {name}. Publish the DKIM record below; until then receivers cannot check the signature and treat the mail as unsigned.");
        }

        var published = records.Select(r => Tags(r)["p"].Replace(" ", "", StringComparison.Ordinal)).ToList();
        return published.Contains(domains.DkimPublicKey!, StringComparer.Ordinal)
            ? new DnsFinding(DnsTopic.Dkim, DnsFindingCode.DkimPublished, true, $"The DKIM record at {name} holds the studio's public key: signatures will verify.")
            : new DnsFinding(DnsTopic.Dkim, DnsFindingCode.DkimKeyDiffers, false,
                $"The DKIM record at {name} holds a different key than the studio signs with, so every signature fails. Replace the record's p= with the one below (or use a new selector).");
    }

    private async Task<DnsFinding> CheckSpfAsync(SendingDomains domains, CancellationToken ct)
    {
        var domain = domains.ReturnPathDomain;
        var records = (await TxtAsync(domain, ct)).Where(t => t.TrimStart().StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase)).ToList();
        if (records.Count == 0)
        {
            return new DnsFinding(DnsTopic.Spf, DnsFindingCode.SpfMissing, false,
                $"No SPF record at {domain}. Publish the SPF suggestion below, so receivers know your sending server may send for {domain}.");
        }

        if (records.Count > 1)
        {
            return new DnsFinding(DnsTopic.Spf, DnsFindingCode.SpfSeveral, false,
                $"{domain} has {records.Count} SPF records; receivers then ignore all of them. Merge them into one.");
        }

        var mechanism = DnsRecordsToPublish.SendingHostMechanism(domains.SendingHost);
        if (domains.SendingHost is { Length: > 0 } host && !Terms(records[0]).Contains(mechanism, StringComparer.OrdinalIgnoreCase))
        {
            return new DnsFinding(DnsTopic.Spf, DnsFindingCode.SpfWithoutSendingHost, false,
                $"The SPF record of {domain} does not name the studio's sending server {host}. Add {mechanism} before the final all " +
                "(or your mail provider's include:, if it gives you one).");
        }

        return new DnsFinding(DnsTopic.Spf, DnsFindingCode.SpfPublished, true,
            domains.SendingHost is { Length: > 0 } sending ? $"The SPF record of {domain} names the sending server {sending}." : $"{domain} has an SPF record.");
    }

    private async Task<DnsFinding> CheckDmarcAsync(SendingDomains domains, CancellationToken ct)
    {
        // Receivers look at the From domain first, then at its organisational domain.
        var names = new[] { "_dmarc." + domains.FromDomain.ToLowerInvariant(), "_dmarc." + OrganisationalDomain.Of(domains.FromDomain) }.Distinct();
        foreach (var name in names)
        {
            var record = (await TxtAsync(name, ct)).FirstOrDefault(t => t.TrimStart().StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase));
            if (record is not null)
            {
                var policy = Tags(record).GetValueOrDefault("p") ?? "none";
                var reports = Tags(record).GetValueOrDefault("rua");
                return new DnsFinding(DnsTopic.Dmarc, DnsFindingCode.DmarcPublished, true,
                    $"DMARC is published at {name} with p={policy}" + (reports is null ? " and no report address (add rua= to learn who sends as you)." : $"; reports go to {reports}."));
            }
        }

        return new DnsFinding(DnsTopic.Dmarc, DnsFindingCode.DmarcMissing, false,
            $"No DMARC record at _dmarc.{OrganisationalDomain.Of(domains.FromDomain)}. Gmail and Yahoo require one of bulk senders: publish the p=none starter below.");
    }

    /// <summary>DMARC passes when the From domain aligns (relaxed: same organisational domain) with DKIM's d= or with the Return-Path.</summary>
    private static IEnumerable<DnsFinding> Alignment(SendingDomains domains)
    {
        var from = OrganisationalDomain.Of(domains.FromDomain);
        var dkimAligned = domains.SigningIsSet && OrganisationalDomain.Aligned(domains.DkimDomain!, domains.FromDomain);
        var returnPathAligned = OrganisationalDomain.Aligned(domains.ReturnPathDomain, domains.FromDomain);
        if (domains.SigningIsSet && !dkimAligned)
        {
            yield return new DnsFinding(DnsTopic.Alignment, DnsFindingCode.DkimNotAligned, false,
                $"Mail is signed for {domains.DkimDomain} (d=) but sent from {domains.FromDomain}: DMARC does not count this signature. Sign with a domain under {from}.");
        }

        if (!returnPathAligned)
        {
            yield return new DnsFinding(DnsTopic.Alignment, DnsFindingCode.ReturnPathNotAligned, false,
                $"Bounces go to {domains.ReturnPathDomain} (Return-Path) but mail is sent from {domains.FromDomain}: SPF passing there does not count for DMARC" +
                (dkimAligned ? ", though the aligned DKIM signature is enough." : ". Use a bounce domain under " + from + "."));
        }

        if ((dkimAligned || !domains.SigningIsSet) && returnPathAligned)
        {
            yield return new DnsFinding(DnsTopic.Alignment, DnsFindingCode.Aligned, true,
                domains.SigningIsSet
                    ? $"From ({domains.FromDomain}), DKIM d= ({domains.DkimDomain}) and Return-Path ({domains.ReturnPathDomain}) all belong to {from}."
                    : $"From ({domains.FromDomain}) and Return-Path ({domains.ReturnPathDomain}) both belong to {from}.");
        }
    }

    private async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken ct)
    {
        var response = await _dns.QueryAsync(name, QueryType.TXT, QueryClass.IN, ct);
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new DnsResponseException((DnsResponseCode)response.Header.ResponseCode, $"{name}: {response.ErrorMessage}");
        }

        // A record split into several strings is one value again.
        return response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
    }

    private static Dictionary<string, string> Tags(string record)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in record.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags.TryAdd(part[..equals].Trim(), part[(equals + 1)..].Trim());
            }
        }

        return tags;
    }

    private static string[] Terms(string spf) => spf.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.TrimStart('+').ToLower(CultureInfo.InvariantCulture)).ToArray();
}
