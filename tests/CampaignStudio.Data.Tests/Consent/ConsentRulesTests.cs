using CampaignStudio.Domain.Consent;

namespace CampaignStudio.Data.Tests.Consent;

/// <summary>How the current status follows from the log (the pure rule the ledger, the dashboard and tests share).</summary>
public sealed class ConsentRulesTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static long _id;

    private static ConsentRecord R(int minute, ConsentStatus status, string? wording = "form-v1", string purpose = ConsentPurposes.Marketing, ConsentSource source = ConsentSource.Form) =>
        new() { Id = ++_id, RecordedAt = T0.AddMinutes(minute), Status = status, WordingVersion = wording, Purpose = purpose, Source = source };

    [Theory]
    [InlineData(ConsentSource.PreferenceCentre)]
    [InlineData(ConsentSource.Admin)]
    [InlineData(ConsentSource.Api)]
    public void AThirdConfirmationEmailInADayIsTheLastWhoeverAsks(ConsentSource source)
    {
        var now = T0.AddHours(30);
        ConsentRecord[] agreed = [R(0, ConsentStatus.OptedIn, source: ConsentSource.Form), R(1, ConsentStatus.OptedOut, null, source: ConsentSource.PreferenceCentre)];
        ConsentRecord[] twoToday = [.. agreed, R(60 * 20, ConsentStatus.Pending, source: source), R(60 * 21, ConsentStatus.Pending, source: source)];
        ConsentRecord[] threeToday = [.. twoToday, R(60 * 29, ConsentStatus.Pending, source: source)];

        ConsentRules.MayAskToConfirm(twoToday, source, now).ShouldBe(ConfirmationRefusal.None);
        ConsentRules.MayAskToConfirm(threeToday, source, now).ShouldBe(ConfirmationRefusal.AskedTooOften);
        ConsentRules.MayAskToConfirm(threeToday, source, now, "product-news").ShouldBe(source == ConsentSource.PreferenceCentre ? ConfirmationRefusal.NeverAgreed : ConfirmationRefusal.None);
        ConsentRules.MayAskToConfirm(threeToday, source, now.AddHours(20).AddMinutes(1)).ShouldBe(ConfirmationRefusal.None);
    }

    [Fact]
    public void NoRecordsMeansUnknown() => ConsentRules.Derive([]).ShouldBe(ConsentStatus.Unknown);

    [Fact]
    public void TheLatestRecordWinsWhateverTheOrderTheyArriveIn()
    {
        ConsentRecord[] log = [R(3, ConsentStatus.OptedOut, null), R(1, ConsentStatus.Pending), R(2, ConsentStatus.OptedIn), R(4, ConsentStatus.OptedIn, "preference-centre-v1")];
        ConsentRules.Derive(log).ShouldBe(ConsentStatus.OptedIn);
        ConsentRules.Derive(log.Take(3)).ShouldBe(ConsentStatus.OptedOut);
        ConsentRules.Derive(log.Take(3).Reverse()).ShouldBe(ConsentStatus.OptedOut);
    }

    [Fact]
    public void AnImportWithoutProofLeavesTheCustomerUnknownAndNeverUndoesAnOptOut()
    {
        ConsentRules.Derive([R(1, ConsentStatus.OptedIn, wording: null, source: ConsentSource.Import)]).ShouldBe(ConsentStatus.Unknown);
        ConsentRules.Derive([R(1, ConsentStatus.Unknown, wording: null, source: ConsentSource.Import)]).ShouldBe(ConsentStatus.Unknown);
        ConsentRules.Derive([R(1, ConsentStatus.OptedOut, null), R(2, ConsentStatus.OptedIn, wording: " ", source: ConsentSource.Import)]).ShouldBe(ConsentStatus.OptedOut);
        ConsentRules.Derive([R(1, ConsentStatus.OptedIn), R(2, ConsentStatus.Unknown, null, source: ConsentSource.Import)]).ShouldBe(ConsentStatus.OptedIn);
    }

    [Theory]
    [InlineData(ConsentStatus.Bounced)]
    [InlineData(ConsentStatus.Complained)]
    public void ABounceOrComplaintOnAnyPurposeSuppressesTheAddress(ConsentStatus suppression)
    {
        ConsentRules.Derive([R(1, ConsentStatus.OptedIn), R(2, suppression, null, purpose: "newsletter", source: ConsentSource.Bounce)]).ShouldBe(suppression);
        ConsentRules.IsSuppression(suppression).ShouldBeTrue();
    }

    [Fact]
    public void OtherPurposesDoNotChangeTheMarketingStatus()
    {
        ConsentRecord[] log = [R(1, ConsentStatus.OptedIn), R(2, ConsentStatus.OptedOut, null, purpose: "newsletter")];
        ConsentRules.Derive(log).ShouldBe(ConsentStatus.OptedIn);
        ConsentRules.Derive(log, "newsletter").ShouldBe(ConsentStatus.OptedOut);
    }

    [Fact]
    public void ANewConfirmedOptInAfterAComplaintCounts()
    {
        ConsentRules.Derive([R(1, ConsentStatus.Complained, null), R(2, ConsentStatus.Pending), R(3, ConsentStatus.OptedIn, "double-opt-in-page-v1", source: ConsentSource.DoubleOptIn)])
            .ShouldBe(ConsentStatus.OptedIn);
    }

    [Fact]
    public void OtherChannelsAreIgnoredForEmail()
    {
        var sms = R(2, ConsentStatus.OptedOut, null);
        sms.Channel = (ConsentChannel)99;
        ConsentRules.Derive([R(1, ConsentStatus.OptedIn), sms]).ShouldBe(ConsentStatus.OptedIn);
    }
}
