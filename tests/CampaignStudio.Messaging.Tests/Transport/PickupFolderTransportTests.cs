using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Tests.Mime;
using CampaignStudio.Messaging.Transport;
using MimeKit;

namespace CampaignStudio.Messaging.Tests.Transport;

public sealed class PickupFolderTransportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-pickup-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task WritesCompleteEmlFilesAndNoTemporaryOnes()
    {
        var transport = new PickupFolderTransport(Path.Combine(_folder, "outbox"));
        var builder = new MessageBuilder();
        var html = "<p>" + new string('x', 200_000) + "</p>";

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            transport.SendAsync(builder.Build(new RenderedMessage($"Subject {i}", null, html, "text"), MessageBuilderTests.Envelope(1, i, $"c{i}@example.com")))));

        results.ShouldAllBe(r => r.IsSent);
        Directory.GetFiles(transport.Folder, "*.tmp").ShouldBeEmpty();
        var files = Directory.GetFiles(transport.Folder, "*.eml");
        files.Length.ShouldBe(20);
        var loaded = files.Select(f => MimeMessage.Load(f)).ToList();
        loaded.Select(m => m.Subject).Order().ShouldBe(Enumerable.Range(0, 20).Select(i => $"Subject {i}").Order());
        loaded.ShouldAllBe(m => m.HtmlBody == html && m.TextBody == "text");
    }

    [Fact]
    public async Task FileNamesCarryTheStudiosClockSoTheySortInTheOrderMessagesLeft()
    {
        var clock = new CampaignStudio.TestSupport.StudioClock(new DateTimeOffset(2026, 6, 15, 9, 0, 0, TimeSpan.Zero));
        var transport = new PickupFolderTransport(Path.Combine(_folder, "outbox"), clock);
        var message = new MessageBuilder().Build(new RenderedMessage("Hello", null, "<p>hi</p>", "hi"), MessageBuilderTests.Envelope(1, 1, "c@example.com"));

        (await transport.SendAsync(message)).IsSent.ShouldBeTrue();

        Directory.GetFiles(transport.Folder, "20260615T0900*.eml").ShouldHaveSingleItem();
    }
}
