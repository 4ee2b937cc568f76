namespace CampaignStudio.Domain.Privacy;

/// <summary>
/// Small groups are hidden: a group of fewer than k customers is never shown with its size, because a small group
/// can point at a person ("the 2 customers in Oslo who bought garden tools").
/// </summary>
public static class SmallGroups
{
    /// <summary>The smallest group shown by default.</summary>
    public const int DefaultMinimum = 10;

    /// <summary>Whether a group of this size must be hidden; empty groups reveal nobody and are shown as 0.</summary>
    public static bool IsSuppressed(long count, int minimum = DefaultMinimum) => count > 0 && count < minimum;

    /// <summary>The count for display: "&lt; k" for a suppressed group, the number otherwise.</summary>
    public static string Format(long count, int minimum = DefaultMinimum, string format = "N0") =>
        IsSuppressed(count, minimum) ? $"< {minimum}" : count.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The count, or null when it must be hidden (for charts and exports that carry numbers).</summary>
    public static long? ValueOrNull(long count, int minimum = DefaultMinimum) => IsSuppressed(count, minimum) ? null : count;

    /// <summary>
    /// Whether a part of a shown total must be hidden: when the part is small, or when the rest is (the total minus the
    /// part would give the small rest away, e.g. "97 of 100 opened" names the 3 who did not).
    /// </summary>
    public static bool IsSuppressedWithin(long part, long total, int minimum = DefaultMinimum) =>
        IsSuppressed(part, minimum) || IsSuppressed(total - part, minimum);

    /// <summary>Whether a rate part / total must be hidden: the group itself is small, or the part or the rest of it is.</summary>
    public static bool HidesRate(long part, long total, int minimum = DefaultMinimum) =>
        IsSuppressed(total, minimum) || IsSuppressedWithin(part, total, minimum);

    /// <summary>A part of a shown total for display: "&lt; k" when the part is small, "&gt; total − k" when the rest is, the number otherwise.</summary>
    public static string FormatWithin(long part, long total, int minimum = DefaultMinimum, string format = "N0") =>
        IsSuppressed(part, minimum) ? $"< {minimum}"
        : IsSuppressed(total - part, minimum) ? "> " + (total - minimum).ToString(format, System.Globalization.CultureInfo.InvariantCulture)
        : part.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A total for display next to groups of which some are hidden: rounded to a multiple of k ("about 1,000"), so that
    /// the total minus the shown groups does not give a hidden one away.
    /// </summary>
    public static string FormatTotal(long total, bool anyHidden, int minimum = DefaultMinimum, string format = "N0") =>
        !anyHidden ? Format(total, minimum, format)
        : total < minimum ? $"< {minimum}"
        : "about " + ((long)Math.Round((double)total / minimum) * minimum).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
