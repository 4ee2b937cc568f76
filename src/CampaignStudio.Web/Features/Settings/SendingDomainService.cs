using System.Text.RegularExpressions;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.Sending.Dkim;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>What the DKIM settings show: never the private key.</summary>
public sealed record DkimView(bool Signing, string Domain, string Selector, string? PublicKey, DateTime? KeyCreatedAt, string FromDomain,
    string ReturnPathDomain, IReadOnlyList<DnsRecordToPublish> Records);

/// <summary>Refused settings, in a marketer's words.</summary>
public sealed class SendingDomainException(IReadOnlyList<string> problems) : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>DKIM signing (key, domain, selector), the DNS records to publish and their check. Admin only, on screen and in the API.</summary>
public sealed partial class SendingDomainService(DkimKeyStore keys, StoredDkimSigner signer, SenderIdentityStore senders, BounceMailboxStore bounces, MailOptions mail, CurrentUser user)
{
    public async Task<DkimView> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await ViewAsync(ct);
    }

    /// <summary>Sets the signing domain and selector. A new selector needs its own DNS record before mail signed with it verifies.</summary>
    public async Task<DkimView> SaveAsync(string? domain, string? selector, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var problems = new List<string>();
        var cleanDomain = (domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        var cleanSelector = (selector ?? "").Trim().ToLowerInvariant();
        if (!HostName().IsMatch(cleanDomain))
        {
            problems.Add("Enter the signing domain, e.g. yourshop.com (the domain of your sender address, or one under it).");
        }

        if (!Label().IsMatch(cleanSelector))
        {
            problems.Add("Enter a selector of letters, digits and hyphens, e.g. studio or s2026 (it names the key's DNS record).");
        }

        if (problems.Count > 0)
        {
            throw new SendingDomainException(problems);
        }

        await keys.SaveDomainAsync(cleanDomain, cleanSelector, ct);
        signer.Forget();
        return await ViewAsync(ct);
    }

    /// <summary>Makes a new 2048-bit key pair and signs with it from now on; the private half is stored encrypted and never shown.</summary>
    public async Task<DkimView> GenerateKeyAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await StoreKeyAsync(DkimKeys.GeneratePrivateKeyPem(), ct);
    }

    /// <summary>Takes a key made elsewhere (PEM); refused in words when unusable.</summary>
    public async Task<DkimView> ImportKeyAsync(string? privateKeyPem, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        try
        {
            return await StoreKeyAsync(DkimKeys.NormalizePrivateKeyPem(privateKeyPem ?? ""), ct);
        }
        catch (DkimKeyException ex)
        {
            throw new SendingDomainException([ex.Message]);
        }
    }

    /// <summary>Looks the records up on the configured name server and says what is missing or misaligned.</summary>
    public async Task<DnsCheckResult> CheckAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var (settings, identity) = (await keys.GetAsync(ct), await senders.GetAsync(ct));
        if (!identity.IsReadyToSend)
        {
            throw new SendingDomainException(["Set the sender address first (Sender and postal address): the check compares its domain with the records."]);
        }

        SendingDnsCheck check;
        try
        {
            check = new SendingDnsCheck(mail.NameServer);
        }
        catch (FormatException ex)
        {
            throw new SendingDomainException([ex.Message]);
        }

        return await check.CheckAsync(Domains(settings, identity, await bounces.GetAsync(ct)), ct);
    }

    private async Task<DkimView> StoreKeyAsync(string privateKeyPem, CancellationToken ct)
    {
        var settings = await keys.GetAsync(ct);
        if (settings.Domain.Length == 0)
        {
            // A key needs a domain to sign for: until one is chosen, the sender address's domain.
            var identity = await senders.GetAsync(ct);
            if (!identity.IsReadyToSend)
            {
                throw new SendingDomainException(["Set the sender address first, or enter a signing domain: a key signs for a domain."]);
            }

            await keys.SaveDomainAsync(DomainOf(identity.FromAddress), settings.Selector, ct);
        }

        await keys.SaveKeyAsync(privateKeyPem, DkimKeys.PublicKeyOf(privateKeyPem), ct);
        signer.Forget();
        return await ViewAsync(ct);
    }

    private async Task<DkimView> ViewAsync(CancellationToken ct)
    {
        var (settings, identity) = (await keys.GetAsync(ct), await senders.GetAsync(ct));
        var domains = Domains(settings, identity, await bounces.GetAsync(ct));
        return new DkimView(settings.IsSigning, settings.Domain, settings.Selector, settings.PublicKey, settings.KeyCreatedAt, domains.FromDomain,
            domains.ReturnPathDomain, identity.IsReadyToSend ? DnsRecordsToPublish.For(domains) : []);
    }

    /// <summary>
    /// The domains as mail leaves today. The Return-Path is the bounce return address when one is set (Settings → Bounce
    /// mailbox: every message then carries its own VERP address there), else the sender address, which MailKit uses as the
    /// envelope sender. Read here and only here.
    /// </summary>
    private SendingDomains Domains(DkimSettings settings, SenderIdentity identity, BounceMailboxSettings bounceMailbox)
    {
        var fromDomain = identity.FromAddress.Length > 0 ? DomainOf(identity.FromAddress) : settings.Domain;
        var returnPathDomain = bounceMailbox.SendsWithReturnAddress ? DomainOf(bounceMailbox.ReturnAddress) : fromDomain;
        var sendingHost = string.Equals(mail.Transport, MailOptions.SmtpTransport, StringComparison.OrdinalIgnoreCase) ? mail.Smtp.Host : null;
        return settings.IsSigning
            ? new SendingDomains(fromDomain, settings.Domain, settings.Selector, settings.PublicKey, returnPathDomain, sendingHost)
            : new SendingDomains(fromDomain, null, null, null, returnPathDomain, sendingHost);
    }

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..].Trim().ToLowerInvariant();

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex Label();
}
