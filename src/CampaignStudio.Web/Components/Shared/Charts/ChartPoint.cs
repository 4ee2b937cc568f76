namespace CampaignStudio.Web.Components.Shared.Charts;

/// <summary>One labelled value of a chart.</summary>
public sealed record ChartPoint(string Label, double Value);
