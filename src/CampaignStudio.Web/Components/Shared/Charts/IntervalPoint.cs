namespace CampaignStudio.Web.Components.Shared.Charts;

/// <summary>An estimate with its confidence interval (a lift, a group's effect).</summary>
public sealed record IntervalPoint(string Label, double Value, double Lower, double Upper);

/// <summary>One line of a curve chart; <paramref name="Dashed"/> for reference lines such as random targeting.</summary>
public sealed record CurveSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color, bool Dashed = false);
