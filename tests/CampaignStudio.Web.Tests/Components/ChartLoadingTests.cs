using Bunit;
using CampaignStudio.Web.Components.Shared;
using CampaignStudio.Web.Components.Shared.Charts;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

public sealed class ChartLoadingTests : MudTestContext
{
    private const string PlotlyInterop = "./_content/Plotly.Blazor/plotly-interop-7.2.0.js";

    [Fact]
    public void AChartShowsASkeletonUntilPlotlyHasDrawnIt()
    {
        // plotly.js (3.5 MB) loads on first use: until newPlot returns, the card must not sit there blank.
        var plotly = JSInterop.SetupModule(PlotlyInterop);
        var draw = plotly.SetupVoid("newPlot", _ => true);

        var chart = Render<BarChart>(p => p.Add(c => c.Points, [new ChartPoint("Jan", 10), new ChartPoint("Feb", 12)]).Add(c => c.TestId, "revenue"));

        chart.Find("[data-testid=revenue] [data-testid=chart-loading]").ClassList.ShouldContain("mud-skeleton");

        draw.SetVoidResult();

        chart.WaitForAssertion(() => chart.FindAll("[data-testid=chart-loading]").ShouldBeEmpty());
    }

    [Fact]
    public void NewDataIsDrawnAgainAndTheSameDataIsNot()
    {
        // Plotly.Blazor draws once; a segment's spend mix that changes with every edit must not stay the first one drawn.
        var plotly = JSInterop.SetupModule(PlotlyInterop);
        plotly.SetupVoid("newPlot", _ => true).SetVoidResult();
        var chart = Render<BarChart>(p => p.Add(c => c.Points, [new ChartPoint("Jan", 10)]));
        chart.WaitForAssertion(() => chart.FindAll("[data-testid=chart-loading]").ShouldBeEmpty());

        chart.Render(p => p.Add(c => c.Points, [new ChartPoint("Jan", 10)]));
        chart.Render(p => p.Add(c => c.Points, [new ChartPoint("Jan", 99)]));

        chart.WaitForAssertion(() => plotly.Invocations.Count(i => i.Identifier == "react").ShouldBe(1));
    }

    [Fact]
    public void AChartCardShowsASkeletonWhileItsDataLoadsThenTheChartOrWhyThereIsNone()
    {
        var card = Render<ChartCard>(p => p.Add(c => c.Title, "Revenue per month").Add(c => c.Loading, true).Add(c => c.Height, 300)
            .AddChildContent("<div class=\"the-chart\"></div>"));

        card.Find("[data-testid=chart-loading]").GetAttribute("style")!.ShouldContain("height:300px");
        card.FindAll(".the-chart").ShouldBeEmpty();

        card.Render(p => p.Add(c => c.Loading, false));
        card.FindAll(".the-chart").Count.ShouldBe(1);
        card.FindAll("[data-testid=chart-loading]").ShouldBeEmpty();

        card.Render(p => p.Add(c => c.Empty, true).Add(c => c.EmptyText, "No orders yet."));
        card.Markup.ShouldContain("No orders yet.");
        card.FindAll(".the-chart").ShouldBeEmpty();
    }
}
