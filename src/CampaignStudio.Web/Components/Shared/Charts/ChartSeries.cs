namespace CampaignStudio.Web.Components.Shared.Charts;

/// <summary>One named, coloured series of a multi-series chart.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points);
