using System.Diagnostics;
using System.Globalization;
using DnsClient;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace CampaignStudio.TestSupport;

/// <summary>Verifies DKIM signatures the way a receiver does, with keys looked up on a test's <see cref="DnsServer"/>.</summary>
public static class DkimVerification
{
    /// <summary>MimeKit's verifier (independent of the signer's code path: it reads the key from DNS, not from the studio).</summary>
    public static async Task<bool> MimeKitVerifiesAsync(MimeMessage message, DnsServer dns)
    {
        var index = message.Headers.IndexOf(HeaderId.DkimSignature);
        if (index < 0)
        {
            return false;
        }

        var verifier = new DkimVerifier(new DnsKeyLocator(dns));
        return await verifier.VerifyAsync(message, message.Headers[index]);
    }

    /// <summary>Debian's python3-dkim (dkimpy) over the message's bytes as received.</summary>
    public static async Task<(bool Passed, string Output)> DkimpyVerifiesAsync(string emlPath, DnsServer dns)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dkim", "dkim_verify.py"));
        start.ArgumentList.Add(dns.Port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(emlPath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode == 0, (await output).Trim() + " " + (await errors).Trim());
    }

    public static bool DkimpyInstalled => File.Exists("/usr/lib/python3/dist-packages/dkim/__init__.py");

    private sealed class DnsKeyLocator(DnsServer dns) : DkimPublicKeyLocatorBase
    {
        private readonly LookupClient _client = new(new LookupClientOptions(new NameServer(System.Net.IPAddress.Loopback, dns.Port)) { UseCache = false });

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

        public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            var response = await _client.QueryAsync($"{selector}._domainkey.{domain}", QueryType.TXT, QueryClass.IN, cancellationToken);
            var record = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).FirstOrDefault()
                ?? throw new InvalidOperationException($"No DKIM key at {selector}._domainkey.{domain}");
            return GetPublicKey(record);
        }
    }
}
