using CampaignStudio.Domain.Bounces;
using CampaignStudio.Messaging.Bounces;
using CampaignStudio.TestSupport.Bounces;

namespace CampaignStudio.Messaging.Tests.Bounces;

/// <summary>The classifier on the corpus of real (postfix) and real-shaped (Exchange, Gmail, qmail, ARF) bounce mails.</summary>
public sealed class BounceClassifierTests
{
    private readonly ReturnAddresses _addresses = new(DovecotServer.CorpusMailbox, DovecotServer.CorpusKey);

    private BounceReading Read(string file) => BounceClassifier.Read(DovecotServer.Corpus(file), _addresses);

    [Fact]
    public void APostfixDsnForAnUnknownUserIsAHardBounceOfTheMessageItsReturnAddressNames()
    {
        var reading = Read("postfix-unknown-user.eml");

        reading.Kind.ShouldBe(BounceKind.Hard);
        reading.StatusCode.ShouldBe("5.1.1");
        reading.Diagnostic.ShouldBe("X-Postfix; unknown user: \"nobody-here\"");
        reading.ReturnAddressMessageId.ShouldBe(4242);
        reading.OriginalLedgerId.ShouldBe(4242);
        reading.OriginalMessageId.ShouldBe("corpus-4242@shop.example");
    }

    [Fact]
    public void APostfixDsnWithoutAReturnAddressStillCarriesTheOriginalsHeaders()
    {
        var reading = Read("postfix-no-return-address.eml");

        reading.Kind.ShouldBe(BounceKind.Hard);
        reading.ReturnAddressMessageId.ShouldBeNull();
        reading.OriginalLedgerId.ShouldBe(4343);
        reading.OriginalMessageId.ShouldBe("corpus-4343@shop.example");
    }

    [Fact]
    public void AnExchangeRecipientNotFoundIsHardAndFoundByTheQuotedHeaders()
    {
        var reading = Read("exchange-recipient-not-found.eml");

        reading.Kind.ShouldBe(BounceKind.Hard);
        reading.StatusCode.ShouldBe("5.1.10");
        reading.Diagnostic!.ShouldContain("RecipientNotFound");
        reading.ReturnAddressMessageId.ShouldBe(5001);
        reading.OriginalLedgerId.ShouldBe(5001);
    }

    [Fact]
    public void AFullMailboxIsSoftAlthoughItsCodeIsPermanent()
    {
        var reading = Read("gmail-mailbox-full.eml");

        reading.Kind.ShouldBe(BounceKind.Soft);
        reading.StatusCode.ShouldBe("5.2.2");
        reading.ReturnAddressMessageId.ShouldBe(5002);
    }

    [Fact]
    public void AQmailBounceWithoutADsnIsClassifiedFromItsWordsAndTheReturnAddress()
    {
        var reading = Read("qmail-no-mailbox.eml");

        reading.Kind.ShouldBe(BounceKind.Hard);
        reading.StatusCode.ShouldBe("5.1.1");
        reading.Diagnostic.ShouldBe("Sorry, no mailbox here by that name. (#5.1.1)");
        reading.ReturnAddressMessageId.ShouldBe(5004);
    }

    [Fact]
    public void AFeedbackReportIsAComplaintWithTheReportAsEvidence()
    {
        var reading = Read("arf-complaint.eml");

        reading.Kind.ShouldBe(BounceKind.Complaint);
        reading.ReturnAddressMessageId.ShouldBe(5005);
        reading.OriginalMessageId.ShouldBe("corpus-5005@shop.example");
        reading.Evidence!.ShouldContain("Feedback-Type: abuse");
        reading.Evidence!.ShouldContain("Source-IP: 192.0.2.10");
    }

    [Fact]
    public void AnOutOfOfficeReplyIsNotUnderstoodButKeepsTheMessageItAnswers()
    {
        var reading = Read("out-of-office.eml");

        reading.Kind.ShouldBe(BounceKind.NotUnderstood);
        reading.ReturnAddressMessageId.ShouldBe(5003);
        reading.Diagnostic!.ShouldContain("out of the office");
    }

    [Theory]
    [InlineData("4.2.2", BounceKind.Soft)]
    [InlineData("4.4.1", BounceKind.Soft)]
    [InlineData("5.1.1", BounceKind.Hard)]
    [InlineData("5.2.2", BounceKind.Soft)]
    [InlineData("5.3.4", BounceKind.Soft)]
    [InlineData("5.7.1", BounceKind.Hard)]
    [InlineData("2.0.0", null)]
    public void StatusCodesFollowTheClassAndTheKnownExceptions(string code, BounceKind? expected)
    {
        BounceClassifier.KindOf(code).ShouldBe(expected);
    }
}
