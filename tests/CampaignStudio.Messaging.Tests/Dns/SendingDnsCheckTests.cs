using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.TestSupport;

namespace CampaignStudio.Messaging.Tests.Dns;

/// <summary>The DNS check against a real DNS server (dnsmasq) holding the records of each case.</summary>
public sealed class SendingDnsCheckTests
{
    private static readonly string PublicKey = DkimKeys.PublicKeyOf(DkimKeys.GeneratePrivateKeyPem());

    private static readonly SendingDomains Shop = new("news.shop.example", "shop.example", "cs1", PublicKey, "shop.example", "mail.shop.example");

    private static IEnumerable<(string, IReadOnlyList<string>)> Published(SendingDomains domains) =>
        DnsRecordsToPublish.For(domains).Select(r => (r.Name, r.Strings));

    private static async Task<DnsCheckResult> CheckAsync(SendingDomains domains, params (string Name, IReadOnlyList<string> Strings)[] records)
    {
        await using var dns = await DnsServer.StartAsync(["shop.example", "other.example"], records);
        return await new SendingDnsCheck(dns.Address).CheckAsync(domains);
    }

    [Fact]
    public async Task TheRecordsTheStudioSuggestsPassTheCheck()
    {
        var result = await CheckAsync(Shop, [.. Published(Shop)]);

        result.Findings.Select(f => f.Code).ShouldBe([DnsFindingCode.DkimPublished, DnsFindingCode.SpfPublished, DnsFindingCode.DmarcPublished, DnsFindingCode.Aligned]);
        result.AllGood.ShouldBeTrue();
        result.Findings.Last().Text.ShouldBe("From (news.shop.example), DKIM d= (shop.example) and Return-Path (shop.example) all belong to shop.example.");
    }

    [Fact]
    public async Task NothingPublishedIsSaidRecordByRecord()
    {
        var result = await CheckAsync(Shop);

        result.Findings.Select(f => f.Code).ShouldBe([DnsFindingCode.DkimMissing, DnsFindingCode.SpfMissing, DnsFindingCode.DmarcMissing, DnsFindingCode.Aligned]);
        result.AllGood.ShouldBeFalse();
        result.Findings[0].Text.ShouldStartWith("No DKIM record at cs1._domainkey.shop.example.");
        result.Findings[1].Text.ShouldStartWith("No SPF record at shop.example.");
        result.Findings[2].Text.ShouldStartWith("No DMARC record at _dmarc.shop.example.");
    }

    [Fact]
    public async Task AnOldKeyAnSpfWithoutOurServerAndOtherDomainsAreNamed()
    {
        var elsewhere = Shop with { DkimDomain = "other.example", ReturnPathDomain = "bounces.other.example" };
        var oldKey = DkimKeys.PublicKeyOf(DkimKeys.GeneratePrivateKeyPem());

        var result = await CheckAsync(elsewhere,
            ("cs1._domainkey.other.example", DnsRecordsToPublish.SplitTxt(DkimKeys.RecordText(oldKey))),
            ("bounces.other.example", ["v=spf1 include:_spf.mailer.example -all"]),
            ("_dmarc.shop.example", ["v=DMARC1; p=none"]));

        result.Findings.Select(f => f.Code).ShouldBe([DnsFindingCode.DkimKeyDiffers, DnsFindingCode.SpfWithoutSendingHost, DnsFindingCode.DmarcPublished,
            DnsFindingCode.DkimNotAligned, DnsFindingCode.ReturnPathNotAligned]);
        result.Findings[0].Text.ShouldContain("holds a different key than the studio signs with");
        result.Findings[1].Text.ShouldContain("does not name the studio's sending server mail.shop.example. Add a:mail.shop.example");
        result.Findings[2].Text.ShouldContain("no report address");
        result.Findings[3].Text.ShouldBe("Mail is signed for other.example (d=) but sent from news.shop.example: DMARC does not count this signature. Sign with a domain under shop.example.");
        result.Findings[4].Text.ShouldContain("Use a bounce domain under shop.example.");
    }

    [Fact]
    public async Task TwoSpfRecordsAreOneTooMany()
    {
        var result = await CheckAsync(Shop, ("shop.example", ["v=spf1 a:mail.shop.example ~all"]), ("shop.example", ["v=spf1 mx -all"]));

        result.Findings.Single(f => f.Topic == DnsTopic.Spf).Code.ShouldBe(DnsFindingCode.SpfSeveral);
    }

    [Fact]
    public async Task WithoutAKeyTheCheckSaysSigningIsOffAndStillChecksTheRest()
    {
        var unsigned = Shop with { DkimDomain = null, DkimSelector = null, DkimPublicKey = null };

        var result = await CheckAsync(unsigned, [.. Published(unsigned)]);

        result.Findings.Select(f => f.Code).ShouldBe([DnsFindingCode.SigningOff, DnsFindingCode.SpfPublished, DnsFindingCode.DmarcPublished, DnsFindingCode.Aligned]);
    }

    [Fact]
    public async Task ANameServerThatDoesNotAnswerIsReportedNotMistakenForMissingRecords()
    {
        await using var dns = await DnsServer.StartAsync(["shop.example"], []);
        var address = dns.Address;
        await dns.DisposeAsync();

        var result = await new SendingDnsCheck(address).CheckAsync(Shop);

        result.Findings.ShouldHaveSingleItem().Code.ShouldBe(DnsFindingCode.LookupFailed);
        result.Findings[0].Text.ShouldContain("Nothing was checked");
    }

    [Fact]
    public void TheDkimRecordIsCutInto255CharacterStringsThatJoinBackToTheRecord()
    {
        var dkim = DnsRecordsToPublish.For(Shop).First(r => r.Purpose == "DKIM");

        dkim.Name.ShouldBe("cs1._domainkey.shop.example");
        dkim.Value.ShouldBe($"v=DKIM1; k=rsa; p={PublicKey}");
        dkim.Strings.Count.ShouldBe(2);
        dkim.Strings.ShouldAllBe(s => s.Length <= 255);
        string.Concat(dkim.Strings).ShouldBe(dkim.Value);
        DnsRecordsToPublish.For(Shop).Select(r => (r.Purpose, r.Name, r.Value)).Skip(1).ShouldBe([
            ("SPF", "shop.example", "v=spf1 a:mail.shop.example ~all"),
            ("DMARC", "_dmarc.shop.example", "v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.example"),
        ]);
        DnsRecordsToPublish.SuggestedSpf("192.0.2.10").ShouldBe("v=spf1 ip4:192.0.2.10 ~all");
        DnsRecordsToPublish.SuggestedSpf(null).ShouldBe("v=spf1 mx ~all");
    }

    [Theory]
    [InlineData("news.shop.example.com", "example.com")]
    [InlineData("Shop.Example.COM.", "example.com")]
    [InlineData("mail.shop.co.uk", "shop.co.uk")]
    [InlineData("shop.co.uk", "shop.co.uk")]
    [InlineData("bounces.shop.com.au", "shop.com.au")]
    [InlineData("localhost", "localhost")]
    public void TheOrganisationalDomainIsTheRegistrableName(string name, string organisational) =>
        OrganisationalDomain.Of(name).ShouldBe(organisational);

    [Fact]
    public void AlignmentIsRelaxedWithinOneOrganisationOnly()
    {
        OrganisationalDomain.Aligned("news.shop.example.com", "bounces.example.com").ShouldBeTrue();
        OrganisationalDomain.Aligned("shop.co.uk", "other.co.uk").ShouldBeFalse();
        OrganisationalDomain.Aligned("example.com", "example.net").ShouldBeFalse();
    }
}
