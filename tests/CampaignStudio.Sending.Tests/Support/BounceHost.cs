using CampaignStudio.Sending.Bounces;
using CampaignStudio.TestSupport.Bounces;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Sending.Tests.Support;

/// <summary>The send pipeline on SQLite with a real SMTP server and a real IMAP bounce mailbox (dovecot) it reads.</summary>
public sealed class BounceHost : SendingHost
{
    public DovecotServer Imap { get; } = new();

    public override async Task InitializeAsync()
    {
        await Imap.InitializeAsync();
        await base.InitializeAsync();
        await Services.GetRequiredService<BounceMailboxStore>().SaveAsync(
            new BounceMailboxSettings(DovecotServer.CorpusMailbox, "127.0.0.1", Imap.Port, MailboxSecurity.None, DovecotServer.User), DovecotServer.Password);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Imap.DisposeAsync();
    }
}
