using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Messaging.Tests;

public class DependencyInjectionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddMessaging(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task PickupFolderIsTheDefaultTransport()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cs-di-" + Guid.NewGuid().ToString("N"));
        await using var services = Build(new() { ["Mail:PickupFolder"] = folder });

        var transport = services.GetRequiredService<IMailTransport>().ShouldBeOfType<PickupFolderTransport>();

        transport.Folder.ShouldBe(folder);
        services.GetRequiredService<TemplateRenderer>().ShouldNotBeNull();
        services.GetRequiredService<MessageBuilder>().ShouldNotBeNull();
        var tokens = services.GetRequiredService<SignedTokenService>();
        var unsubscribe = tokens.LinksFor(new CampaignStudio.Domain.Campaigns.MessageDelivery(1, 5, 6), "https://studio.example", new ClickTokens(new byte[32])).UnsubscribeUrl;
        tokens.TryReadUnsubscribeToken(unsubscribe.Split('/')[^1], out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(5, 6));
        Directory.Delete(folder);
    }

    [Theory]
    [InlineData(null, "outbox")]
    [InlineData("mail/out", "mail/out")]
    public async Task APickupFolderLeftEmptyOrRelativeIsUnderTheDataFolderTheHostNames(string? configured, string expected)
    {
        var data = Path.Combine(Path.GetTempPath(), "cs-di-data-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mail:PickupFolder"] = configured }).Build();
        await using var services = new ServiceCollection().AddLogging().AddMessaging(configuration, _ => data).BuildServiceProvider();

        var transport = services.GetRequiredService<IMailTransport>().ShouldBeOfType<PickupFolderTransport>();

        transport.Folder.ShouldBe(Path.GetFullPath(Path.Combine(data, expected)));
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task SmtpTransportIsBuiltFromConfiguration()
    {
        await using var services = Build(new()
        {
            ["Mail:Transport"] = "Smtp",
            ["Mail:Smtp:Host"] = "mail.example.com",
            ["Mail:Smtp:Port"] = "2525",
            ["Mail:Smtp:Security"] = "SslOnConnect",
            ["Mail:Smtp:User"] = "u",
            ["Mail:Smtp:Password"] = "p",
            ["Mail:Smtp:Connections"] = "3",
            ["Mail:Send:MaxPerSecond"] = "50",
        });

        services.GetRequiredService<IMailTransport>().ShouldBeOfType<SmtpMailTransport>();
        services.GetRequiredService<SmtpOptions>().ShouldBe(new SmtpOptions
        {
            Host = "mail.example.com",
            Port = 2525,
            Security = SmtpSecurity.SslOnConnect,
            User = "u",
            Password = "p",
            Connections = 3,
        });
        services.GetRequiredService<SendOptions>().MaxPerSecond.ShouldBe(50);
    }

    [Fact]
    public void UnknownTransportIsAConfigurationError() =>
        Should.Throw<InvalidOperationException>(() => Build(new() { ["Mail:Transport"] = "Carrier pigeon" }));
}
