using System.Globalization;
using System.Text.RegularExpressions;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Wording;

namespace CampaignStudio.Data.Tests.Wording;

public sealed partial class WordingTests
{
    [Theory]
    [InlineData(0, "customer", null, "0 customers")]
    [InlineData(1, "customer", null, "1 customer")]
    [InlineData(2, "customer", null, "2 customers")]
    [InlineData(2_000, "customer", null, "2,000 customers")]
    [InlineData(1, "person", "people", "1 person")]
    [InlineData(3, "person", "people", "3 people")]
    [InlineData(2, "category", null, "2 categories")]
    [InlineData(2, "day", null, "2 days")]
    [InlineData(2, "address", null, "2 addresses")]
    [InlineData(2, "match", null, "2 matches")]
    [InlineData(1, "condition", null, "1 condition")]
    public void ACountCarriesItsNounInTheRightNumber(long count, string singular, string? plural, string expected)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-US");
        try
        {
            Plural.Of(count, singular, plural).ShouldBe(expected);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void EnumValuesReadAsWords()
    {
        DisplayNames.Of(ConsentStatus.OptedIn).ShouldBe("Opted in");
        DisplayNames.Of(ConsentStatus.Pending).ShouldBe("Pending confirmation");
        DisplayNames.Of(ConsentSource.UnsubscribeLink).ShouldBe("Unsubscribe link");
        DisplayNames.Of(ConsentSource.Api).ShouldBe("API");
        DisplayNames.Of(CampaignStatus.AwaitingConfirmation).ShouldBe("Waiting for confirmation");
        DisplayNames.Of(PrimaryMetric.RevenuePerCustomer).ShouldBe("Revenue per customer");
        DisplayNames.Of(PredictedValueBand.Top).ShouldBe("Top 10 %");
        DisplayNames.Of(SegmentKind.Snapshot).ShouldBe("Snapshot");
        DisplayNames.Of<ConsentStatus>("OptedOut").ShouldBe("Opted out");
        DisplayNames.Of<ConsentStatus>("NoSuchStatus").ShouldBe("NoSuchStatus");
        DisplayNames.Words("HTMLBody").ShouldBe("HTML body");
    }

    [Fact]
    public void NoEnumOfTheDomainShowsAsAnIdentifier()
    {
        // The class of "OptedIn on screen": every value of every enum a page may show reads as words.
        var enums = typeof(ConsentStatus).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic).ToList();
        enums.Count.ShouldBeGreaterThan(10);
        foreach (var type in enums)
        {
            foreach (var value in Enum.GetValues(type).Cast<Enum>())
            {
                var words = DisplayNames.Of(value);
                IdentifierJoin().IsMatch(words).ShouldBeFalse($"{type.Name}.{value} shows as “{words}”");
                words.ShouldNotContain('_');
            }
        }
    }

    [GeneratedRegex("[a-z][A-Z]")]
    private static partial Regex IdentifierJoin();

    [Theory]
    [InlineData("Email A", false, false, "Email A")]
    [InlineData("No message", true, false, "No message (control)")]
    [InlineData("No message (control)", true, false, "No message (control)")]
    [InlineData("Control", true, false, "Control")]
    [InlineData("Holdout", false, true, "Holdout")]
    [InlineData("Rest", false, true, "Rest (holdout)")]
    public void AnArmsRoleIsNamedOnceEvenWhenItsNameSaysItAlready(string name, bool isControl, bool isHoldout, string shown) =>
        DisplayNames.Arm(name, isControl, isHoldout).ShouldBe(shown);
}
