using System.Globalization;

namespace CampaignStudio.Domain.Wording;

/// <summary>
/// "1 customer", "2 customers": a count with its noun in the right number, so no page ever says "1 customers".
/// English only, like the rest of the studio; irregular nouns pass their plural ("person", "people").
/// </summary>
public static class Plural
{
    /// <summary>The count (with thousands separators) and the noun: <c>Of(1, "customer")</c> is "1 customer", <c>Of(2000, "customer")</c> "2,000 customers".</summary>
    /// <param name="count">How many.</param>
    /// <param name="singular">The noun for one, e.g. "customer".</param>
    /// <param name="plural">The noun for any other count; by default the regular English plural of <paramref name="singular"/>.</param>
    public static string Of(long count, string singular, string? plural = null) =>
        $"{count.ToString("N0", CultureInfo.CurrentCulture)} {Word(count, singular, plural)}";

    /// <summary>Only the noun, for counts shown apart from it ("2,000+ customers", "customers at month end").</summary>
    public static string Word(long count, string singular, string? plural = null) =>
        count is 1 or -1 ? singular : plural ?? Regular(singular);

    /// <summary>The regular English plural: category → categories, address → addresses, day → days, group → groups.</summary>
    public static string Regular(string singular)
    {
        ArgumentException.ThrowIfNullOrEmpty(singular);
        if (singular.EndsWith('y') && singular.Length > 1 && !IsVowel(singular[^2]))
        {
            return singular[..^1] + "ies";
        }

        return singular.EndsWith('s') || singular.EndsWith('x') || singular.EndsWith('z') || singular.EndsWith("ch", StringComparison.Ordinal) || singular.EndsWith("sh", StringComparison.Ordinal)
            ? singular + "es"
            : singular + "s";
    }

    private static bool IsVowel(char c) => "aeiouAEIOU".Contains(c, StringComparison.Ordinal);
}
