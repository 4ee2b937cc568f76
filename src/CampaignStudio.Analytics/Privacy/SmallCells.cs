namespace CampaignStudio.Analytics.Privacy;

/// <summary>
/// Small-cell suppression: a group of fewer than k customers is never shown with its size, because a small group
/// can point at a person ("the 2 customers in Oslo who bought garden tools").
/// </summary>
public static class SmallCells
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
}
