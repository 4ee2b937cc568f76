using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;

namespace CampaignStudio.EndToEnd.Tests.Support;

/// <summary>The studio with a small demo shop seeded (2,000 customers), for pages that need data to show.</summary>
public sealed class DemoShopBrowserFixture() : BrowserFixture(new DemoShopStudio())
{
    private sealed class DemoShopStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 2_000;

        // The demo shop is seeded relative to "now", and its fits and charts follow: a fixed day, so no page depends on the day the suite runs.
        protected override DateTimeOffset? ClockStart => StudioClock.DefaultStart;
    }
}
