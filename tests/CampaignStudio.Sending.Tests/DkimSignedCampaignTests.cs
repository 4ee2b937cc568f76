using CampaignStudio.Data.Settings;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Messaging.Dns;
using CampaignStudio.Sending.Dkim;
using CampaignStudio.Sending.Tests.Support;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace CampaignStudio.Sending.Tests;

/// <summary>A campaign sent by the whole pipeline to a real SMTP server, signed with the key kept in Settings.</summary>
public sealed class DkimSignedCampaignTests(SqliteSendingHost host) : IClassFixture<SqliteSendingHost>
{
    private CampaignTestBuilder Build => new(host.Services);

    private async Task<int> SendCampaignAsync(string name)
    {
        var ids = await Build.CustomersAsync(name.ToLowerInvariant().Replace(' ', '-'), 3, optedIn: 3);
        var campaignId = await Build.ScheduledCampaignAsync(name, await Build.SegmentAsync(name + " audience", ids), await Build.TemplateAsync(name + " mail"));
        await host.Services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single().StartDueCampaignsAsync(CancellationToken.None);
        await SendPasses.DrainAsync(host.Services, campaignId);
        return campaignId;
    }

    [Fact]
    public async Task CampaignMailIsUnsignedWithoutAKeyAndSignedByTheStoredKeyOnceOneIsSet()
    {
        var unsignedId = await SendCampaignAsync("Before the key");
        host.Smtp.MessagesOf(unsignedId).Count.ShouldBe(3);
        host.Smtp.MessagesOf(unsignedId).ShouldAllBe(m => !m.Headers.Contains(HeaderId.DkimSignature));

        var store = host.Services.GetRequiredService<DkimKeyStore>();
        var privateKey = DkimKeys.GeneratePrivateKeyPem();
        await store.SaveDomainAsync("shop.example.com", "pipeline");
        await store.SaveKeyAsync(privateKey, DkimKeys.PublicKeyOf(privateKey));
        host.Services.GetRequiredService<StoredDkimSigner>().Forget();
        await using var dns = await DnsServer.StartAsync(["example.com"],
            [(DkimKeys.RecordName("pipeline", "shop.example.com"), DnsRecordsToPublish.SplitTxt(DkimKeys.RecordText(DkimKeys.PublicKeyOf(privateKey))))]);

        var signedId = await SendCampaignAsync("After the key");

        var files = host.Smtp.FilesOf(signedId);
        files.Count.ShouldBe(3);
        foreach (var file in files)
        {
            var message = MimeMessage.Load(file);
            message.Headers[HeaderId.DkimSignature].ShouldNotBeNull().ShouldContain("s=pipeline");
            (await DkimVerification.MimeKitVerifiesAsync(message, dns)).ShouldBeTrue(dns.Log);
            if (DkimVerification.DkimpyInstalled)
            {
                var (passed, output) = await DkimVerification.DkimpyVerifiesAsync(file, dns);
                passed.ShouldBeTrue(output);
            }
        }
    }
}
