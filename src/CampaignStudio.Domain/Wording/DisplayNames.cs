using System.Collections.Concurrent;
using System.Text;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments.Rules;

namespace CampaignStudio.Domain.Wording;

/// <summary>
/// The marketer's words for an enum value, in one place: the name from the table below when the plain split would read
/// wrong (<c>ConsentStatus.Pending</c> is "Pending confirmation"), else the identifier split into words with only the
/// first capitalised (<c>OptedIn</c> is "Opted in", <c>RevenuePerCustomer</c> "Revenue per customer"). Every page shows
/// enum values through this, so a raw identifier like "OptedIn" never reaches the screen. The table lives here rather
/// than as attributes on each enum, so the words can be read (and reviewed) together.
/// </summary>
public static class DisplayNames
{
    private static readonly ConcurrentDictionary<Enum, string> Cache = new();

    private static readonly Dictionary<Enum, string> Named = new()
    {
        [ConsentStatus.Pending] = "Pending confirmation",
        [ConsentSource.Api] = "API",
        [ConsentSource.DoubleOptIn] = "Double opt-in",
        [ConsentSource.Admin] = "Administrator",
        [ConsentSource.ComplaintReport] = "Spam complaint report",
        [Bounces.BounceKind.Hard] = "Hard bounce",
        [Bounces.BounceKind.Soft] = "Soft bounce",
        [Bounces.BounceKind.Complaint] = "Spam complaint",
        [CampaignStatus.AwaitingConfirmation] = "Waiting for confirmation",
        [PrimaryMetric.Conversion] = "Conversion rate",
        [PrimaryMetric.Click] = "Click rate",
        [PrimaryMetric.Visit] = "Visit rate",
        [PredictedValueBand.Top] = "Top 10 %",
        [PredictedValueBand.High] = "High (next 20 %)",
        [PredictedValueBand.Medium] = "Medium (next 30 %)",
        [PredictedValueBand.Low] = "Low (lower 40 %)",
        [GroupOperator.And] = "All of these match",
        [GroupOperator.Or] = "Any of these match",
        [GroupOperator.Not] = "None of these match",
    };

    /// <summary>The display name of <paramref name="value"/>; a value outside the enum shows as its number.</summary>
    public static string Of(Enum value) => Cache.GetOrAdd(value, Compute);

    /// <summary>
    /// An experiment arm as a page names it: its name with its role beside it ("Email A", "No message (control)"), but the
    /// role only once when the marketer already wrote it into the name.
    /// </summary>
    public static string Arm(string name, bool isControl, bool isHoldout = false, string holdoutWord = "holdout")
    {
        var role = isControl ? "control" : isHoldout ? holdoutWord : null;
        return role is null || name.Contains(role.Split(' ')[^1], StringComparison.OrdinalIgnoreCase) ? name : $"{name} ({role})";
    }


    /// <summary>
    /// A metric as the noun a sentence uses ("no conversion outcomes yet", "uplift in revenue"): the one home of these words
    /// for the analysis, the uplift models and their pages.
    /// </summary>
    public static string Outcome(PrimaryMetric metric) => metric switch
    {
        PrimaryMetric.Conversion => "conversion",
        PrimaryMetric.RevenuePerCustomer => "revenue",
        PrimaryMetric.Click => "click",
        _ => "visit",
    };

    /// <summary>The display name of the enum member called <paramref name="name"/> (as stored in rule JSON); the name itself when there is none.</summary>
    public static string Of<TEnum>(string name)
        where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(name, ignoreCase: false, out var value) && Enum.IsDefined(value) ? Of(value) : name;

    /// <summary>Splits a PascalCase identifier into words: "UnsubscribeLink" → "Unsubscribe link", "HTMLBody" → "HTML body".</summary>
    public static string Words(string identifier)
    {
        var sb = new StringBuilder(identifier.Length + 4);
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            var startsWord = i > 0 && char.IsUpper(c)
                && (char.IsLower(identifier[i - 1]) || (i + 1 < identifier.Length && char.IsLower(identifier[i + 1]) && char.IsUpper(identifier[i - 1])));
            if (startsWord)
            {
                sb.Append(' ');
            }

            // An acronym keeps its capitals; any other word after the first is lower case.
            var inAcronym = char.IsUpper(c) && ((i + 1 < identifier.Length && char.IsUpper(identifier[i + 1])) || (i > 0 && char.IsUpper(identifier[i - 1]) && !startsWord));
            sb.Append(i == 0 || inAcronym ? c : char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static string Compute(Enum value)
    {
        if (Named.TryGetValue(value, out var named))
        {
            return named;
        }

        var name = Enum.GetName(value.GetType(), value);
        return name is null ? value.ToString() : Words(name);
    }
}
