using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Bounces;
using CampaignStudio.TestSupport.Bounces;

namespace CampaignStudio.Messaging.Tests.Bounces;

public sealed class ReturnAddressesTests
{
    private readonly ReturnAddresses _addresses = new(DovecotServer.CorpusMailbox, DovecotServer.CorpusKey);

    [Fact]
    public void AMessagesReturnAddressNamesItAndFitsALocalPart()
    {
        var address = _addresses.For(new MessageDelivery(long.MaxValue, 3, 4));

        address.ShouldStartWith("bounces+9223372036854775807-");
        address.ShouldEndWith("@bounce.shop.example");
        address[..address.IndexOf('@')].Length.ShouldBeLessThanOrEqualTo(64, "RFC 5321 allows 64 octets in a local part");
        _addresses.TryFind($"To: <{address}>", out var id).ShouldBeTrue();
        id.ShouldBe(long.MaxValue);
    }

    [Fact]
    public void AServerThatUpperCasesTheAddressStillNamesTheMessage()
    {
        var address = _addresses.For(new MessageDelivery(4242, 3, 4));

        _addresses.TryFind(address.ToUpperInvariant(), out var id).ShouldBeTrue();
        id.ShouldBe(4242);
    }

    [Fact]
    public void AnAddressWithAnotherIdOrAnotherKeyNamesNothing()
    {
        var address = _addresses.For(new MessageDelivery(4242, 3, 4));
        var forged = address.Replace("+4242-", "+4243-", StringComparison.Ordinal);
        var otherStudio = new ReturnAddresses(DovecotServer.CorpusMailbox, new byte[32]);

        _addresses.TryFind(forged, out _).ShouldBeFalse();
        otherStudio.TryFind(address, out _).ShouldBeFalse();
        _addresses.TryFind("bounces@bounce.shop.example", out _).ShouldBeFalse();
    }

    [Fact]
    public void TheCorpusWasMadeWithTheSameAlgorithm()
    {
        _addresses.For(new MessageDelivery(4242, 3, 4)).ShouldBe("bounces+4242-yrvg5shl66woyk2n@bounce.shop.example");
    }
}
