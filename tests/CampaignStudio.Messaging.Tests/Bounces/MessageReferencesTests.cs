using CampaignStudio.Domain.Bounces;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Bounces;
using CampaignStudio.Messaging.Bounces.Providers;
using CampaignStudio.TestSupport.Bounces;

namespace CampaignStudio.Messaging.Tests.Bounces;

public sealed class MessageReferencesTests
{
    private readonly MessageReferences _references = new(DovecotServer.CorpusKey);

    [Fact]
    public void AReferenceNamesItsMessageWithTheSameTagAsItsReturnAddress()
    {
        var delivery = new MessageDelivery(4242, 3, 4);
        var reference = _references.For(delivery);

        _references.TryRead($"  {reference.ToUpperInvariant()} ", out var id).ShouldBeTrue();
        id.ShouldBe(4242);
        new ReturnAddresses(DovecotServer.CorpusMailbox, DovecotServer.CorpusKey).For(delivery).ShouldBe($"bounces+{reference}@bounce.shop.example",
            "the corpus's return addresses (made before references existed) still read");
    }

    [Theory]
    [InlineData("4243-")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("x")]
    public void AnAlteredOrForeignReferenceNamesNothing(string change)
    {
        var reference = _references.For(new MessageDelivery(4242, 3, 4));
        var altered = change switch
        {
            "4243-" => reference.Replace("4242-", "4243-", StringComparison.Ordinal),
            "" => "",
            "-" => reference.Replace("-", "", StringComparison.Ordinal),
            _ => reference[..^1] + (reference[^1] == 'a' ? 'b' : 'a'),
        };

        _references.TryRead(altered, out _).ShouldBeFalse();
        new MessageReferences(new byte[32]).TryRead(reference, out _).ShouldBeFalse("another studio's key");
    }

    [Fact]
    public void SesPermanentBounceIsHardTransientSoftAndOurHeaderIsFoundAmongTheOriginals()
    {
        const string ses = """
            {"notificationType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","feedbackId":"fb-7",
             "bouncedRecipients":[{"emailAddress":"a@example.com","status":"4.2.2","diagnosticCode":"smtp; 452 4.2.2 mailbox full"}]},
             "mail":{"messageId":"ses-1","headers":[{"name":"x-campaignstudio-message","value":"7-abcdefghijklmnop"},{"name":"Message-ID","value":"<m7@shop.example>"}]}}
            """;

        var e = AmazonSes.Read(ses).ShouldHaveSingleItem();

        (e.Kind, e.StatusCode, e.EventId, e.Key).ShouldBe((BounceKind.Soft, "4.2.2", "fb-7", "amazon-ses:fb-7"));
        (e.MessageReference, e.MessageIdHeader).ShouldBe(("7-abcdefghijklmnop", "m7@shop.example"));
        AmazonSes.Read(ses.Replace("Transient", "Permanent", StringComparison.Ordinal)).Single().Kind.ShouldBe(BounceKind.Hard);
    }

    [Fact]
    public void ProviderEventsThatAreNotBouncesOrComplaintsAreIgnored()
    {
        Postmark.Read("""{"RecordType":"Bounce","ID":1,"Type":"AutoResponder"}""").ShouldBeEmpty();
        SendGrid.Read("""[{"event":"delivered","sg_event_id":"d1"},{"event":"dropped","reason":"Unsubscribed Address","sg_event_id":"d2"},{"event":"dropped","reason":"Invalid SMTPAPI header","sg_event_id":"d3"}]""").ShouldBeEmpty();
        Mailgun.Read("""{"event-data":{"id":"x","event":"delivered"}}""").ShouldBeEmpty();
    }
}
