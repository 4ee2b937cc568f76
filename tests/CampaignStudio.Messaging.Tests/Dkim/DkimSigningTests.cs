using System.Text;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Tests.Mime;
using CampaignStudio.Messaging.Tests.Transport;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.TestSupport;
using MimeKit;

namespace CampaignStudio.Messaging.Tests.Dkim;

[Collection(SmtpCollection.Name)]
public sealed class DkimSigningTests(SmtpServerFixture smtp)
{
    private const string Selector = "cs2026";
    private const string Domain = "shop.example.com";

    // Generated once: a 2048-bit key takes a moment, and every test may share it.
    private static readonly string PrivateKey = DkimKeys.GeneratePrivateKeyPem();

    private static readonly RenderedMessage Content = new("Grüße zum Frühling – 20 % off", "Pre",
        "<html><body><p>Hallo Jürgen, schöne Grüße!</p><p>" + new string('x', 900) + "</p></body></html>", "Hallo Jürgen, schöne Grüße!");

    private static MimeMessage Message(int campaignId, long recipientId) =>
        new MessageBuilder().Build(Content, MessageBuilderTests.Envelope(campaignId, recipientId, $"reader{recipientId}@example.net"));

    private static Task<DnsServer> DnsWithOurKeyAsync(string? publicKey = null) => DnsServer.StartAsync(["example.com"],
        [(DkimKeys.RecordName(Selector, Domain), DnsRecordsToPublish.SplitTxt(DkimKeys.RecordText(publicKey ?? DkimKeys.PublicKeyOf(PrivateKey))))]);

    private sealed class FixedSigner(MessageSigner? signer) : IDkimSignerSource
    {
        public ValueTask<MessageSigner?> SignerAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(signer);
    }

    [Fact]
    public async Task ASentMessageVerifiesWithTwoIndependentVerifiersAndATamperedBodyFailsBoth()
    {
        const int campaignId = 4101;
        using var signer = new MessageSigner(Domain, Selector, PrivateKey);
        await using var transport = new DkimSigningTransport(new SmtpMailTransport(smtp.Options()), new FixedSigner(signer));
        await using var dns = await DnsWithOurKeyAsync();

        (await transport.SendAsync(Message(campaignId, 1))).Status.ShouldBe(SendStatus.Sent);

        var file = smtp.FilesOf(campaignId).ShouldHaveSingleItem();
        var received = MimeMessage.Load(file);
        var signature = received.Headers[HeaderId.DkimSignature].ShouldNotBeNull();
        signature.ShouldContain("a=rsa-sha256");
        signature.ShouldContain("c=relaxed/relaxed");
        signature.ShouldContain($"d={Domain}");
        signature.ShouldContain($"s={Selector}");
        var signed = SignedHeaderNames(signature);
        foreach (var header in new[] { "from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type" })
        {
            signed.ShouldContain(header);
        }

        (await DkimVerification.MimeKitVerifiesAsync(received, dns)).ShouldBeTrue(dns.Log);
        if (DkimVerification.DkimpyInstalled)
        {
            var (passed, output) = await DkimVerification.DkimpyVerifiesAsync(file, dns);
            passed.ShouldBeTrue(output);
        }

        // One word of the body changed in transit: the body hash no longer matches.
        var tampered = Path.Combine(smtp.Folder, "tampered-" + Path.GetFileName(file) + ".txt");
        var text = await File.ReadAllTextAsync(file);
        var changed = text.Replace("xxxxxxxxxx", "xxxxxxxxxy", StringComparison.Ordinal);
        changed.ShouldNotBe(text);
        await File.WriteAllTextAsync(tampered, changed, new UTF8Encoding(false));
        (await DkimVerification.MimeKitVerifiesAsync(MimeMessage.Load(tampered), dns)).ShouldBeFalse();
        if (DkimVerification.DkimpyInstalled)
        {
            (await DkimVerification.DkimpyVerifiesAsync(tampered, dns)).Passed.ShouldBeFalse();
        }

        File.Delete(tampered);
    }

    [Fact]
    public async Task ASignatureMadeWithAnotherKeyThanThePublishedOneFails()
    {
        const int campaignId = 4102;
        using var signer = new MessageSigner(Domain, Selector, PrivateKey);
        await using var transport = new DkimSigningTransport(new SmtpMailTransport(smtp.Options()), new FixedSigner(signer));
        await using var dns = await DnsWithOurKeyAsync(DkimKeys.PublicKeyOf(DkimKeys.GeneratePrivateKeyPem()));

        (await transport.SendAsync(Message(campaignId, 1))).Status.ShouldBe(SendStatus.Sent);

        (await DkimVerification.MimeKitVerifiesAsync(smtp.MessagesOf(campaignId).ShouldHaveSingleItem(), dns)).ShouldBeFalse();
    }

    [Fact]
    public async Task WithoutAKeyMailGoesOutUnsigned()
    {
        const int campaignId = 4103;
        await using var transport = new DkimSigningTransport(new SmtpMailTransport(smtp.Options()), new FixedSigner(null));

        (await transport.SendAsync(Message(campaignId, 1))).Status.ShouldBe(SendStatus.Sent);

        smtp.MessagesOf(campaignId).ShouldHaveSingleItem().Headers.Contains(HeaderId.DkimSignature).ShouldBeFalse();
    }

    private sealed class UnreadableKey : IDkimSignerSource
    {
        public ValueTask<MessageSigner?> SignerAsync(CancellationToken cancellationToken = default) =>
            throw new System.Security.Cryptography.CryptographicException("The key was not found in the key ring.");
    }

    [Fact]
    public async Task AKeyThatCannotBeReadHoldsTheMailBackInsteadOfSendingItUnsigned()
    {
        const int campaignId = 4105;
        await using var transport = new DkimSigningTransport(new SmtpMailTransport(smtp.Options()), new UnreadableKey());

        var result = await transport.SendAsync(Message(campaignId, 1));

        result.Status.ShouldBe(SendStatus.TransientFailure);
        result.Detail.ShouldNotBeNull().ShouldContain("Could not DKIM-sign the message: The key was not found in the key ring.");
        smtp.MessagesOf(campaignId).ShouldBeEmpty();
    }

    [Fact]
    public async Task ARetriedSendCarriesOneSignatureNotTwo()
    {
        using var signer = new MessageSigner(Domain, Selector, PrivateKey);
        await using var dns = await DnsWithOurKeyAsync();
        var message = Message(4104, 1);

        signer.Sign(message);
        signer.Sign(message);

        message.Headers.Count(h => h.Id == HeaderId.DkimSignature).ShouldBe(1);
        (await DkimVerification.MimeKitVerifiesAsync(message, dns)).ShouldBeTrue();
    }

    [Fact]
    public void ImportedKeysAreReadInBothPemFormsAndUnusableOnesAreRefusedInWords()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var pkcs1 = rsa.ExportRSAPrivateKeyPem();

        var normalized = DkimKeys.NormalizePrivateKeyPem(pkcs1);

        normalized.ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        DkimKeys.PublicKeyOf(normalized).ShouldBe(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
        Should.Throw<DkimKeyException>(() => DkimKeys.NormalizePrivateKeyPem("hello")).Message.ShouldContain("PEM");
        using var small = System.Security.Cryptography.RSA.Create(512);
        Should.Throw<DkimKeyException>(() => DkimKeys.NormalizePrivateKeyPem(small.ExportPkcs8PrivateKeyPem())).Message.ShouldContain("512 bits");
        Should.Throw<DkimKeyException>(() => DkimKeys.NormalizePrivateKeyPem(rsa.ExportSubjectPublicKeyInfoPem()));
    }

    private static string[] SignedHeaderNames(string signature)
    {
        var h = signature.Split(';').Select(t => t.Trim()).First(t => t.StartsWith("h=", StringComparison.Ordinal));
        return h[2..].Split(':').Select(n => n.Trim().ToLowerInvariant()).ToArray();
    }
}
