using Bunit;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

public sealed class MergeFieldHelpPanelTests : MudTestContext
{
    [Fact]
    public void ListsRecommendationsWithTheirFieldsAndHowToLinkOnlyProductsWithAUrl()
    {
        var help = Render<MergeFieldHelpPanel>();

        var fields = help.FindAll("[data-testid=merge-field] code").Select(c => c.TextContent).ToList();
        fields.ShouldBe(MergeFieldCatalog.Fields.Select(f => f.Liquid));
        fields.ShouldContain("recommendations");
        fields.ShouldContain("p.name");
        fields.ShouldContain("p.category");
        fields.ShouldContain("p.url");
        help.Markup.ShouldContain("{% if p.url %}");
    }
}
