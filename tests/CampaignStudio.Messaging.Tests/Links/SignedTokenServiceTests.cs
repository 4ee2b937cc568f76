using CampaignStudio.Messaging.Links;
using Microsoft.AspNetCore.DataProtection;

namespace CampaignStudio.Messaging.Tests.Links;

public class SignedTokenServiceTests
{
    private readonly IDataProtectionProvider _provider = new EphemeralDataProtectionProvider();
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private SignedTokenService Service(TimeProvider? time = null) => new(_provider, time ?? _clock);

    [Fact]
    public void UnsubscribeTokenRoundTrips()
    {
        var service = Service();

        var token = service.CreateUnsubscribeToken(123_456_789_012, 42);

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

        service.TryReadDoubleOptInToken(service.CreateDoubleOptInToken(77), out var customerId).ShouldBeTrue();
        customerId.ShouldBe(77);
        service.TryReadTrackingToken(service.CreateTrackingToken(long.MaxValue), out var linkId).ShouldBeTrue();
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
            ("unsubscribe", service.CreateUnsubscribeToken(11, 12), t => service.TryReadUnsubscribeToken(t, out _)),
            ("double opt-in", service.CreateDoubleOptInToken(11), t => service.TryReadDoubleOptInToken(t, out _)),
            ("tracking", service.CreateTrackingToken(11), t => service.TryReadTrackingToken(t, out _)),
            ("open", service.CreateOpenToken(11), t => service.TryReadOpenToken(t, out _)),
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
        var token = service.CreateUnsubscribeToken(1, 2);
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
        var unsubscribe = service.CreateUnsubscribeToken(5, 6);
        var optIn = service.CreateDoubleOptInToken(5);
        var tracking = service.CreateTrackingToken(5);

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
        var token = Service().CreateUnsubscribeToken(1, 1);

        new SignedTokenService(new EphemeralDataProtectionProvider(), _clock).TryReadUnsubscribeToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void ExpiredDoubleOptInTokenIsRejected()
    {
        // Minted eight days ago with the default seven-day lifetime: its expiry is already in the real past.
        var minted = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-8));
        var token = Service(minted).CreateDoubleOptInToken(9);

        Service(new ManualTimeProvider(DateTimeOffset.UtcNow)).TryReadDoubleOptInToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void DoubleOptInTokenExpiresOnTheServiceClock()
    {
        var service = Service();
        var token = service.CreateDoubleOptInToken(9, TimeSpan.FromHours(1));
        service.TryReadDoubleOptInToken(token, out _).ShouldBeTrue();

        _clock.Advance(TimeSpan.FromHours(2));

        service.TryReadDoubleOptInToken(token, out _).ShouldBeFalse();
    }

    [Fact]
    public void UnsubscribeTokenIsStillValidAfterSixtyDays()
    {
        var minted = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-61));
        var token = Service(minted).CreateUnsubscribeToken(3, 4);

        Service(new ManualTimeProvider(DateTimeOffset.UtcNow)).TryReadUnsubscribeToken(token, out var request).ShouldBeTrue();
        request.ShouldBe(new UnsubscribeRequest(3, 4));
    }

    [Fact]
    public void UnsubscribeTokenExpiresAfterItsLifetime()
    {
        var minted = new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-401));
        var token = Service(minted).CreateUnsubscribeToken(3, 4);

        Service(new ManualTimeProvider(DateTimeOffset.UtcNow)).TryReadUnsubscribeToken(token, out _).ShouldBeFalse();
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
