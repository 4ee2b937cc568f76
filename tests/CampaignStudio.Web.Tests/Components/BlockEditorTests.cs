using Bunit;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Web.Features.Campaigns.Templates;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

public sealed class BlockEditorTests : MudTestContext
{
    private int _changes;

    private IRenderedComponent<BlockEditor> RenderEditor(BlockDocument document, bool readOnly = false) =>
        Render<BlockEditor>(p => p.Add(e => e.Document, document).Add(e => e.ReadOnly, readOnly).Add(e => e.Changed, () => _changes++));

    private static List<string> Kinds(IRenderedComponent<BlockEditor> editor) =>
        editor.FindAll("[data-testid=block-kind]").Select(k => k.TextContent.Split(". ", 2)[1]).ToList();

    [Fact]
    public void ArrowsMoveABlockAndTheFirstCannotGoUp()
    {
        var document = new BlockDocument { Blocks = [new HeadingBlock { Text = "A" }, new TextBlock { Text = "B" }, new DividerBlock()] };
        var editor = RenderEditor(document);

        editor.FindAll("[data-testid=block-up]")[0].HasAttribute("disabled").ShouldBeTrue();
        editor.FindAll("[data-testid=block-down]")[2].HasAttribute("disabled").ShouldBeTrue();
        editor.FindAll("[data-testid=block-down]")[0].Click();

        Kinds(editor).ShouldBe(["Text", "Heading", "Divider"]);
        editor.FindAll("[data-testid=block-up]")[2].Click();
        Kinds(editor).ShouldBe(["Text", "Divider", "Heading"]);
        _changes.ShouldBe(2);
    }

    [Fact]
    public void CopyAndRemoveChangeTheListAndSayItChanged()
    {
        var document = new BlockDocument { Blocks = [new HeadingBlock { Text = "A" }, new DividerBlock()] };
        var editor = RenderEditor(document);

        editor.FindAll("[data-testid=block-copy]")[0].Click();
        Kinds(editor).ShouldBe(["Heading", "Heading", "Divider"]);
        document.Blocks[0].ShouldNotBeSameAs(document.Blocks[1]);
        editor.FindAll("[data-testid=block-remove]")[2].Click();

        Kinds(editor).ShouldBe(["Heading", "Heading"]);
        _changes.ShouldBe(2);
    }

    [Fact]
    public void AnEmptyEmailSaysHowToStartAndAReaderGetsNoButtons()
    {
        RenderEditor(new BlockDocument()).Find("[data-testid=blocks-empty]").TextContent.ShouldContain("no blocks yet");

        var reader = RenderEditor(BlockDocument.Starter(), readOnly: true);
        reader.FindAll("[data-testid=block-up]").ShouldBeEmpty();
        reader.FindAll("[data-testid=add-block]").ShouldBeEmpty();
        reader.FindAll("[data-testid=block]").Count.ShouldBe(BlockDocument.Starter().Blocks.Count);
    }

    [Fact]
    public void TheMergeFieldPickerAppendsTheFieldWithItsFallbackToATextBlock()
    {
        var popovers = RenderPopovers();
        var text = new TextBlock { Text = "Hello" };
        var editor = RenderEditor(new BlockDocument { Blocks = [text] });

        editor.Find("[data-testid=text-merge-field-picker] button").Click();
        popovers.WaitForAssertion(() => popovers.FindAll("[data-testid=merge-field-option]").Count.ShouldBe(MergeFieldCatalog.PickerSnippets.Count));
        popovers.FindAll("[data-testid=merge-field-option]")[0].Click();

        text.Text.ShouldBe("Hello {{ customer.first_name | default: \"there\" }}");
        _changes.ShouldBe(1);
    }
}
