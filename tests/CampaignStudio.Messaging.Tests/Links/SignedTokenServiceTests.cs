using System.Reflection;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Links;
using CampaignStudio.TestSupport;
using Microsoft.AspNetCore.DataProtection;

namespace CampaignStudio.Messaging.Tests.Links;

public class SignedTokenServiceTests
{
    private readonly IDataProtectionProvider _provider = new EphemeralDataProtectionProvider();
    private readonly ManualTimeProvider _clock = new(StudioClock.DefaultStart);

    private const string BaseUrl = "https://studio.example";

    private static readonly ClickTokens Clicks = new(new byte[32]);

    private SignedTokenService Service(TimeProvider? time = null, SignedTokenOptions? options = null) => new(_provider, time ?? _clock, options);

    /// <summary>The last path segment of a link: its token.</summary>
    private static string TokenOf(string? url) => Uri.UnescapeDataString(url!.Split('/')[^1]);

    private static string Unsubscribe(SignedTokenService service, long customerId, int campaignId, long messageId = 1) =>
        TokenOf(service.LinksFor(new MessageDelivery(messageId, customerId, campaignId), BaseUrl, Clicks).UnsubscribeUrl);

    private static string Open(SignedTokenService service, long messageId) => TokenOf(service.LinksFor(new MessageDelivery(messageId, 1, 1), BaseUrl, Clicks).OpenPixelUrl);

    /// <summary>A stored-link click token as mail sent before decision 054 carries it (Data Protection, the link row's id).</summary>
    private string Tracking(long linkId) => StoredLinkTokens.Mint(_provider, linkId);

    private static ConfirmationLinks Confirmation(SignedTokenService service, long customerId) =>
        service.LinksFor(new ConfirmationPermit(customerId, "someone@example.com", null, ConsentPurposes.Marketing), BaseUrl);

    private static string DoubleOptIn(SignedTokenService service, long customerId) => TokenOf(Confirmation(service, customerId).ConfirmUrl);

    [Fact]
    public void UnsubscribeTokenRoundTrips()
    {
        var service = Service();

        var token = Unsubscribe(service, 123_456_789_012, 42);

        token.ShouldNotContain("+");
        token.ShouldNotContain("/");
        token.ShouldNotContain("=");
        service.TryReadUnsubscribeToken(token, out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(123_456_789_012, 42));
    }

    [Fact]
    public void DoubleOptInAndTrackingTokensRoundTrip()
    {
        var service = Service();

        service.TryReadDoubleOptInToken(DoubleOptIn(service, 77), out var customerId).ShouldBeTrue();
        customerId.ShouldBe(77);
        service.TryReadTrackingToken(Tracking(long.MaxValue), out var linkId).ShouldBeTrue();
        linkId.ShouldBe(long.MaxValue);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("AAAA")]
    [InlineData("!!!!****")]
    public void GarbageIsRejectedWithoutThrowing(string? garbage)
    {
        var service = Service();

        service.TryReadUnsubscribeToken(garbage, out _).ShouldBeFalse();
        service.TryReadDoubleOptInToken(garbage, out _).ShouldBeFalse();
        service.TryReadTrackingToken(garbage, out _).ShouldBeFalse();
    }

    [Fact]
    public void EveryKindOfTokenIsAcceptedInItsOneCanonicalSpellingOnly()
    {
        var service = Service();
        var kinds = new (string Kind, string Token, Func<string, bool> Read)[]
        {
            ("unsubscribe", Unsubscribe(service, 11, 12), t => service.TryReadUnsubscribeToken(t, out _)),
            ("double opt-in", DoubleOptIn(service, 11), t => service.TryReadDoubleOptInToken(t, out _)),
            ("tracking", Tracking(11), t => service.TryReadTrackingToken(t, out _)),
            ("click", TokenOf(service.LinksFor(new MessageDelivery(11, 1, 1), BaseUrl, Clicks).ClickUrl("https://shop.example/a")),
                t => Clicks.TryRead(t, out _, out _)),
            ("open", Open(service, 11), t => Clicks.TryReadOpen(t, out _)),
            ("open of older mail", StoredLinkTokens.MintOpen(_provider, 11), t => service.TryReadOpenToken(t, out _)),
        };

        foreach (var (kind, token, read) in kinds)
        {
            read(token).ShouldBeTrue(kind);
            foreach (var variant in OtherSpellings(token))
            {
                read(variant).ShouldBeFalse($"{kind}: {variant}");
            }
        }
    }

    /// <summary>Strings a lenient base64 decoder reads as the same bytes: padding, whitespace, the other alphabet, unused bits set.</summary>
    private static IEnumerable<string> OtherSpellings(string token)
    {
        yield return token + "=";
        yield return token + "==";
        yield return token + "===";
        yield return " " + token;
        yield return token + "\n";
        yield return token[..10] + "\r\n" + token[10..];
        yield return token[..10] + " " + token[10..];
        yield return token[..10] + "\t" + token[10..];
        if (token.Length % 4 != 0)
        {
            yield return token + new string('=', 4 - (token.Length % 4));
        }

        // The last character of an unpadded string carries bits the decoder ignores when the length is not a multiple of 4.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        if (token.Length % 4 != 0)
        {
            yield return token[..^1] + alphabet[alphabet.IndexOf(token[^1], StringComparison.Ordinal) ^ 1];
        }

        var standard = token.Replace('-', '+').Replace('_', '/');
        if (standard != token)
        {
            yield return standard;
        }
    }

    [Fact]
    public void TamperedTokenIsRejected()
    {
        var service = Service();
        var token = Unsubscribe(service, 1, 2);
        var middle = token.Length / 2;
        var tampered = token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..];

        service.TryReadUnsubscribeToken(tampered, out _).ShouldBeFalse();
        service.TryReadUnsubscribeToken(token[..^2], out _).ShouldBeFalse();
        service.TryReadUnsubscribeToken(token, out _).ShouldBeTrue();
    }

    [Fact]
    public void TokenOfOnePurposeDoesNotValidateAsAnother()
    {
        var service = Service();
        var unsubscribe = Unsubscribe(service, 5, 6);
        var optIn = DoubleOptIn(service, 5);
        var tracking = Tracking(5);

        service.TryReadDoubleOptInToken(unsubscribe, out _).ShouldBeFalse();
        service.TryReadTrackingToken(unsubscribe, out _).ShouldBeFalse();
        service.TryReadUnsubscribeToken(optIn, out _).ShouldBeFalse();
        service.TryReadTrackingToken(optIn, out _).ShouldBeFalse();
        service.TryReadUnsubscribeToken(tracking, out _).ShouldBeFalse();
        service.TryReadDoubleOptInToken(tracking, out _).ShouldBeFalse();
    }

    [Fact]
    public void TokenFromAnotherKeyRingIsRejected()
    {
        var token = Unsubscribe(Service(), 1, 1);

        new SignedTokenService(new EphemeralDataProtectionProvider(), _clock).TryReadUnsubscribeToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void ExpiredDoubleOptInTokenIsRejected()
    {
        // Minted eight days ago with the default seven-day lifetime.
        var minted = new ManualTimeProvider(StudioClock.DefaultStart.AddDays(-8));
        var token = DoubleOptIn(Service(minted), 9);

        Service(new ManualTimeProvider(StudioClock.DefaultStart)).TryReadDoubleOptInToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void DoubleOptInTokenExpiresOnTheServiceClock()
    {
        var service = Service(options: new SignedTokenOptions { DoubleOptInLifetime = TimeSpan.FromHours(1) });
        var token = DoubleOptIn(service, 9);
        service.TryReadDoubleOptInToken(token, out _).ShouldBeTrue();

        _clock.Advance(TimeSpan.FromHours(2));

        service.TryReadDoubleOptInToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void AConfirmLinkLastsItsLifetimeOnTheServiceClockHoweverFarThatIsFromTheSystemClock()
    {
        // A studio on a clock years behind the system's (a test's fixed day): its seven days are long past on the system
        // clock, yet only the studio's clock may end the link.
        var clock = new ManualTimeProvider(new DateTimeOffset(2001, 3, 5, 9, 0, 0, TimeSpan.Zero));
        var service = Service(clock);
        var token = DoubleOptIn(service, 9);

        service.TryReadDoubleOptInToken(token, out var customerId).ShouldBeTrue();
        customerId.ShouldBe(9);
        clock.Advance(TimeSpan.FromDays(8));
        service.TryReadDoubleOptInToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void UnsubscribeTokenIsStillValidAfterSixtyDays()
    {
        var minted = new ManualTimeProvider(StudioClock.DefaultStart.AddDays(-61));
        var token = Unsubscribe(Service(minted), 3, 4);

        Service(new ManualTimeProvider(StudioClock.DefaultStart)).TryReadUnsubscribeToken(token, out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(3, 4));
    }

    [Fact]
    public void UnsubscribeTokenExpiresAfterItsLifetime()
    {
        var minted = new ManualTimeProvider(StudioClock.DefaultStart.AddDays(-401));
        var token = Unsubscribe(Service(minted), 3, 4);

        Service(new ManualTimeProvider(StudioClock.DefaultStart)).TryReadUnsubscribeToken(token, out _).ShouldBeFalse();
    }
}

public class TokenMintingTests
{
    private const string BaseUrl = "https://studio.example";
    private static readonly ClickTokens Clicks = new(new byte[32]);
    private readonly SignedTokenService _service = new(new EphemeralDataProtectionProvider(), new StudioClock());

    [Fact]
    public void TokensThatActForACustomerAreMintedOnlyFromAProofThatTheMailGoesToThem()
    {
        // Every public way to get a link out of the service takes a delivery proof; the proofs cannot be made outside the data layer.
        var minting = typeof(SignedTokenService).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.Name.StartsWith("TryRead", StringComparison.Ordinal) && !m.IsSpecialName).ToList();
        minting.Select(m => m.Name).Distinct().ShouldBe(["LinksFor"]);
        minting.ShouldAllBe(m => m.GetParameters()[0].ParameterType == typeof(MessageDelivery) || m.GetParameters()[0].ParameterType == typeof(ConfirmationPermit));
        typeof(MessageDelivery).GetConstructors().ShouldBeEmpty();
        typeof(ConfirmationPermit).GetConstructors().ShouldBeEmpty();
        typeof(MessageLinks).GetConstructors().ShouldBeEmpty();

        // Click and open tokens can be read by anyone holding the key, but minted only through LinksFor.
        typeof(ClickTokens).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName).Select(m => m.Name).ShouldBe(["TryRead", "TryReadOpen"], ignoreOrder: true);
    }

    [Fact]
    public void PreviewLinksCarryATokenThatNoKindOfTokenAccepts()
    {
        var preview = MessageLinks.Preview(BaseUrl);

        preview.IsLive.ShouldBeFalse();
        preview.OpenPixelUrl.ShouldBeNull();
        preview.ClickUrl("https://shop.example").ShouldBeNull();
        preview.UnsubscribeUrl.ShouldBe(BaseUrl + "/u/" + UnsubscribeLinks.PreviewToken);
        _service.TryReadUnsubscribeToken(UnsubscribeLinks.PreviewToken, out _).ShouldBeFalse();
        _service.TryReadDoubleOptInToken(UnsubscribeLinks.PreviewToken, out _).ShouldBeFalse();
        _service.TryReadTrackingToken(UnsubscribeLinks.PreviewToken, out _).ShouldBeFalse();
        _service.TryReadOpenToken(UnsubscribeLinks.PreviewToken, out _).ShouldBeFalse();
        Clicks.TryReadOpen(UnsubscribeLinks.PreviewToken, out _).ShouldBeFalse();
    }

    [Fact]
    public void TheLinksOfASentMessageActForItsCustomerAndCampaign()
    {
        var links = _service.LinksFor(new MessageDelivery(31, 41, 59), BaseUrl, Clicks);

        links.IsLive.ShouldBeTrue();
        _service.TryReadUnsubscribeToken(links.UnsubscribeUrl.Split('/')[^1], out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(41, 59));
        Clicks.TryReadOpen(links.OpenPixelUrl!.Split('/')[^1], out var messageId).ShouldBeTrue();
        messageId.ShouldBe(31);
        Clicks.TryRead(links.ClickUrl("https://shop.example/sale?x=1&y=ü")!.Split('/')[^1], out var clicked, out var target).ShouldBeTrue();
        (clicked, target).ShouldBe((31L, "https://shop.example/sale?x=1&y=ü"));
    }

    [Fact]
    public void UnsubscribeTokensForNoCampaignThatPreviewsOnceCarriedStayRefused()
    {
        // Before previews had inert links they carried real unsubscribe tokens for campaign 0, valid for 400 days.
        var provider = new EphemeralDataProtectionProvider();
        var legacy = provider.CreateProtector("CampaignStudio.Messaging.Links").CreateProtector("Unsubscribe.v1").ToTimeLimitedDataProtector();
        var payload = new byte[13];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), 77);
        var leaked = System.Buffers.Text.Base64Url.EncodeToString(legacy.Protect(payload, StudioClock.DefaultStart.AddDays(400)));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(9), 5);
        var sent = System.Buffers.Text.Base64Url.EncodeToString(legacy.Protect(payload, StudioClock.DefaultStart.AddDays(400)));
        var service = new SignedTokenService(provider, new StudioClock());

        service.TryReadUnsubscribeToken(leaked, out _).ShouldBeFalse();
        service.TryReadUnsubscribeToken(sent, out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(77, 5));
    }

    [Fact]
    public void AConfirmationMailsUnsubscribeLinkNamesNoCampaignAndIsNoConfirmLink()
    {
        var links = _service.LinksFor(new ConfirmationPermit(8, "someone@example.com", null, ConsentPurposes.Marketing), BaseUrl);

        _service.TryReadUnsubscribeToken(links.UnsubscribeUrl.Split('/')[^1], out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(8, 0));
        _service.TryReadDoubleOptInToken(links.UnsubscribeUrl.Split('/')[^1], out _).ShouldBeFalse();
        _service.TryReadUnsubscribeToken(links.ConfirmUrl.Split('/')[^1], out _).ShouldBeFalse();
    }
}

/// <summary>The click tokens that carry their target (decision 054), and the stored-link tokens of older mail beside them.</summary>
public class ClickTokensTests
{
    private const string BaseUrl = "https://studio.example";
    private const string Target = "https://shop.example.com/sale?from=mail&id=7";
    private readonly IDataProtectionProvider _provider = new EphemeralDataProtectionProvider();
    private readonly ClickTokens _clicks = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private string Mint(long messageId, string target) =>
        new SignedTokenService(_provider, new StudioClock()).LinksFor(new MessageDelivery(messageId, 2, 3), BaseUrl, _clicks).ClickUrl(target)!.Split('/')[^1];

    [Fact]
    public void AClickTokenCarriesItsMessageAndTarget()
    {
        _clicks.TryRead(Mint(42, Target), out var messageId, out var url).ShouldBeTrue();

        (messageId, url).ShouldBe((42L, Target));
    }

    [Fact]
    public void AChangedTargetOrMessageOrAnotherKeyFindsNoValidTag()
    {
        var token = Mint(42, Target);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(token);

        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            _clicks.TryRead(System.Buffers.Text.Base64Url.EncodeToString(changed), out _, out _).ShouldBeFalse($"byte {i}");
        }

        new ClickTokens(new byte[32]).TryRead(token, out _, out _).ShouldBeFalse();
        _clicks.TryRead(token[..^4], out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void StoredLinkTokensOfOlderMailAndClickTokensAreNeverReadAsEachOther()
    {
        var service = new SignedTokenService(_provider, new StudioClock());
        var old = StoredLinkTokens.Mint(_provider, 42);

        service.TryReadTrackingToken(old, out var linkId).ShouldBeTrue();
        linkId.ShouldBe(42);
        _clicks.TryRead(old, out _, out _).ShouldBeFalse();
        service.TryReadTrackingToken(Mint(42, Target), out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("preview")]
    [InlineData("!!!!****")]
    [InlineData("AgAAAAAAAAAq")]
    [InlineData("AwAAAAAAAAAq")]
    public void GarbageIsRejectedWithoutThrowing(string? garbage)
    {
        _clicks.TryRead(garbage, out _, out _).ShouldBeFalse();
        _clicks.TryReadOpen(garbage, out _).ShouldBeFalse();
    }

    private string OpenToken(long messageId) =>
        new SignedTokenService(_provider, new StudioClock()).LinksFor(new MessageDelivery(messageId, 2, 3), BaseUrl, _clicks).OpenPixelUrl!.Split('/')[^1];

    [Fact]
    public void AnOpenPixelCarriesItsMessageSignedWithTheClickKey()
    {
        var token = OpenToken(42);

        _clicks.TryReadOpen(token, out var messageId).ShouldBeTrue();
        messageId.ShouldBe(42);
        OpenToken(42).ShouldBe(token, "deterministic: the same message always has the same pixel");
        token.Length.ShouldBeLessThan(40);
    }

    [Fact]
    public void AChangedOpenTokenOrAnotherKeyFindsNoValidTag()
    {
        var token = OpenToken(42);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(token);

        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x01;
            _clicks.TryReadOpen(System.Buffers.Text.Base64Url.EncodeToString(changed), out _).ShouldBeFalse($"byte {i}");
        }

        new ClickTokens(new byte[32]).TryReadOpen(token, out _).ShouldBeFalse();
        _clicks.TryReadOpen(token[..^4], out _).ShouldBeFalse();
    }

    [Fact]
    public void OpenTokensClickTokensAndThePixelsOfOlderMailAreNeverReadAsEachOther()
    {
        var service = new SignedTokenService(_provider, new StudioClock());
        var open = OpenToken(42);
        var click = Mint(42, Target);
        var older = StoredLinkTokens.MintOpen(_provider, 42);

        service.TryReadOpenToken(older, out var messageId).ShouldBeTrue("a pixel in mail sent before still counts its open");
        messageId.ShouldBe(42);
        _clicks.TryReadOpen(older, out _).ShouldBeFalse();
        service.TryReadOpenToken(open, out _).ShouldBeFalse();
        _clicks.TryRead(open, out _, out _).ShouldBeFalse();
        _clicks.TryReadOpen(click, out _).ShouldBeFalse();
    }
}

/// <summary>Mints the tokens older mail carries: stored-link click tokens (before decision 054) and Data Protection open pixels (before its session 12).</summary>
internal static class StoredLinkTokens
{
    public static string Mint(IDataProtectionProvider provider, long linkId)
    {
        var payload = new byte[9];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), linkId);
        var protector = provider.CreateProtector("CampaignStudio.Messaging.Links").CreateProtector("TrackingLink.v1");
        return System.Buffers.Text.Base64Url.EncodeToString(protector.Protect(payload));
    }

    /// <summary>The open pixel's token as mail sent before the pixel was signed with the click key carries it (Data Protection, the message id).</summary>
    public static string MintOpen(IDataProtectionProvider provider, long messageId)
    {
        var payload = new byte[9];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), messageId);
        var protector = provider.CreateProtector("CampaignStudio.Messaging.Links").CreateProtector("OpenPixel.v1");
        return System.Buffers.Text.Base64Url.EncodeToString(protector.Protect(payload));
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
