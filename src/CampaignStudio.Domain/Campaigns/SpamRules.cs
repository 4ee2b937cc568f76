using System.Text.RegularExpressions;

namespace CampaignStudio.Domain.Campaigns;

/// <summary>Simple content checks that catch what spam filters punish most often; warnings, never blockers.</summary>
public static partial class SpamRules
{
    private static readonly string[] TriggerPhrases =
        ["free!!", "act now", "100% free", "risk-free", "winner", "click here", "buy now", "cash bonus", "$$$", "no cost", "guaranteed", "urgent"];

    private static readonly string[] Shorteners = ["bit.ly/", "tinyurl.com/", "goo.gl/", "t.co/", "ow.ly/"];

    /// <summary>The warnings for a rendered subject and HTML body, in a marketer's words.</summary>
    public static IReadOnlyList<string> Check(string subject, string html)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(html);
        var warnings = new List<string>();
        var letters = subject.Where(char.IsLetter).ToArray();
        if (letters.Length >= 8 && letters.Count(char.IsUpper) > letters.Length * 0.6)
        {
            warnings.Add("The subject is mostly capital letters.");
        }

        if (subject.Count(c => c == '!') >= 2)
        {
            warnings.Add("The subject has several exclamation marks.");
        }

        if (subject.Length > 90)
        {
            warnings.Add($"The subject is long ({subject.Length} characters); inboxes cut it after about 60.");
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            warnings.Add("The subject is empty.");
        }

        var text = Tags().Replace(html, " ");
        var lower = (subject + " " + text).ToLowerInvariant();
        foreach (var phrase in TriggerPhrases.Where(p => lower.Contains(p, StringComparison.Ordinal)))
        {
            warnings.Add($"“{phrase}” is a phrase spam filters look for.");
        }

        var images = Images().Count(html);
        var words = Words().Count(text);
        if (images > 0 && words < images * 25)
        {
            warnings.Add("Mostly images, little text: filters read image-only mail as spam.");
        }

        if (Shorteners.Any(s => html.Contains(s, StringComparison.OrdinalIgnoreCase)))
        {
            warnings.Add("A link shortener hides where a link goes; filters distrust them.");
        }

        return warnings;
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex("<img\\b", RegexOptions.IgnoreCase)]
    private static partial Regex Images();

    [GeneratedRegex("\\w+")]
    private static partial Regex Words();
}
