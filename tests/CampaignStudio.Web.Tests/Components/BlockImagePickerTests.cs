using Bunit;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Web.Features.Assets;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Tests.Support;
using MudBlazor;

namespace CampaignStudio.Web.Tests.Components;

/// <summary>An image setting's picker reads the library when it opens, each time, and shows why when it cannot.</summary>
public sealed class BlockImagePickerTests : MudTestContext
{
    [Fact]
    public async Task ThePickerReadsTheLibraryOnlyWhenOpenedAndShowsTheStoresReason()
    {
        var reads = 0;
        var answers = new Queue<ImageChoices>([
            new ImageChoices([], "The image store (bucket \"shop\" at http://127.0.0.1:9) could not list the pictures: connection refused."),
            new ImageChoices(["/assets/images/" + new string('a', 64) + ".png"], null),
        ]);
        var popovers = RenderPopovers();
        var settings = Render<BlockSettings>(p => p
            .Add(s => s.Block, new HeroImageBlock { AltText = "Sale" })
            .Add(s => s.LoadImages, () => { reads++; return Task.FromResult(answers.Dequeue()); }));

        reads.ShouldBe(0, "rendering the settings does not read the library");

        settings.Find("[data-testid=image-library-pick] button").Click();
        popovers.WaitForAssertion(() => popovers.Find("[data-testid=image-library-problem]").TextContent.ShouldContain("could not list the pictures"));
        reads.ShouldBe(1);

        var menu = settings.FindComponent<MudMenu>();
        await settings.InvokeAsync(() => menu.Instance.CloseMenuAsync());
        settings.Find("[data-testid=image-library-pick] button").Click();
        popovers.WaitForAssertion(() => popovers.FindAll("img[src^='/assets/images/']").Count.ShouldBe(1));
        reads.ShouldBe(2, "each opening reads the library again (a picture uploaded in the other tab shows)");
    }
}
