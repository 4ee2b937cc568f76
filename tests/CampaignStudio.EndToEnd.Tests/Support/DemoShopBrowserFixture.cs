using CampaignStudio.TestSupport.Web;

namespace CampaignStudio.EndToEnd.Tests.Support;

/// <summary>The studio with a small demo shop seeded (2,000 customers), for pages that need data to show.</summary>
public sealed class DemoShopBrowserFixture() : BrowserFixture(new DemoShopStudio())
{
    private sealed class DemoShopStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 2_000;
    }
}
