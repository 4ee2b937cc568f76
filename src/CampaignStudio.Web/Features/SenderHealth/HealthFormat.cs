using System.Globalization;

namespace CampaignStudio.Web.Features.SenderHealth;

/// <summary>Sender health figures in words: "–" for a hidden group, "about" for a rounded total, rates as percentages.</summary>
public static class HealthFormat
{
    public static string Count(ShownCount c) => c.Value is { } v ? (c.About ? "about " : "") + v.ToString("N0", CultureInfo.InvariantCulture) : "–";

    public static string Rate(ShownRate r) =>
        r.Value is { } v ? (r.About ? "about " : "") + (v * 100).ToString(v < 0.01 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>A count with its rate in brackets, when both may be shown.</summary>
    public static string With(ShownCount count, ShownRate rate) =>
        count.Value is null ? "–" : rate.Value is null ? Count(count) : $"{Count(count)} ({Rate(rate)})";
}
