namespace CampaignStudio.Web.Components.Shared.Charts;

/// <summary>A rate per day, in percent; null where there is no rate to show (nothing sent, or a hidden small group).</summary>
public sealed record RatePoint(DateOnly Day, double? Percent);

/// <summary>One named, coloured line of a <c>RateOverTimeChart</c>.</summary>
public sealed record RateSeries(string Name, string Color, IReadOnlyList<RatePoint> Points);

/// <summary>A horizontal limit line across a rate chart, in percent (Gmail's 0.3 % complaint limit is 0.3).</summary>
public sealed record LimitLine(string Name, double Percent, string Color);
