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

    private static BlockDocument FourBlocks() => new()
    {
        Blocks = [new HeadingBlock { Text = "A" }, new TextBlock { Text = "B" }, new ButtonBlock { Url = "https://shop.example.com/" }, new DividerBlock()],
    };

    /// <summary>Drags block <paramref name="from"/> by its handle and drops it on the title row (above) or the settings (below) of block <paramref name="onto"/>.</summary>
    private static void Drag(IRenderedComponent<BlockEditor> editor, int from, int onto, bool below)
    {
        editor.FindAll("[data-testid=block-handle]")[from].DragStart();
        editor.WaitForElement(".block-dragging");
        editor.FindAll(below ? "[data-testid=block-body]" : "[data-testid=block-head]")[onto].DragEnter();
        editor.FindAll(below ? "[data-testid=block-body]" : "[data-testid=block-head]")[onto].Drop();
    }

    [Theory]
    [InlineData(0, 2, false, "Text,Heading,Button,Divider")] // above the third: between the second and the third
    [InlineData(0, 2, true, "Text,Button,Heading,Divider")]
    [InlineData(3, 0, false, "Divider,Heading,Text,Button")] // the last to the top
    [InlineData(0, 3, true, "Text,Button,Divider,Heading")] // the first to the bottom
    [InlineData(2, 1, false, "Heading,Button,Text,Divider")]
    [InlineData(2, 0, true, "Heading,Button,Text,Divider")]
    public void DroppingABlockAboveOrBelowAnotherMovesItThereAndRecompilesOnce(int from, int onto, bool below, string expected)
    {
        var editor = RenderEditor(FourBlocks());

        Drag(editor, from, onto, below);

        editor.WaitForAssertion(() => Kinds(editor).ShouldBe(expected.Split(',').ToList()));
        _changes.ShouldBe(1);
        editor.WaitForAssertion(() => editor.FindAll(".block-dragging, .drop-above, .drop-below").ShouldBeEmpty());
    }

    [Theory]
    [InlineData(1, 1, false)] // onto itself
    [InlineData(1, 1, true)]
    [InlineData(1, 0, true)] // below the block above it: the gap it came from
    [InlineData(1, 2, false)] // above the block below it: the same gap
    public void DroppingABlockWhereItAlreadyIsChangesNothingAndShowsNoLine(int from, int onto, bool below)
    {
        var editor = RenderEditor(FourBlocks());

        editor.FindAll("[data-testid=block-handle]")[from].DragStart();
        editor.WaitForElement(".block-dragging");
        editor.FindAll(below ? "[data-testid=block-body]" : "[data-testid=block-head]")[onto].DragEnter();
        editor.FindAll(".drop-above, .drop-below").ShouldBeEmpty();
        editor.FindAll(below ? "[data-testid=block-body]" : "[data-testid=block-head]")[onto].Drop();

        Kinds(editor).ShouldBe(["Heading", "Text", "Button", "Divider"]);
        _changes.ShouldBe(0);
    }

    [Fact]
    public void TheLineShowsWhereTheBlockWillLandWhileItIsDragged()
    {
        var editor = RenderEditor(FourBlocks());

        editor.FindAll("[data-testid=block-handle]")[0].DragStart();
        editor.WaitForAssertion(() => editor.FindAll("[data-testid=block]")[0].ClassList.ShouldContain("block-dragging"));
        editor.FindAll("[data-testid=block-body]")[2].DragEnter();
        editor.WaitForAssertion(() => editor.FindAll("[data-testid=block]")[2].ClassList.ShouldContain("drop-below"));
        editor.FindAll("[data-testid=block-head]")[3].DragEnter();
        editor.WaitForAssertion(() => editor.FindAll("[data-testid=block]")[3].ClassList.ShouldContain("drop-above"));
        editor.FindAll("[data-testid=block]")[2].ClassList.ShouldNotContain("drop-below");

        // Let go outside a block: nothing moves, the line goes.
        editor.FindAll("[data-testid=block-handle]")[0].DragEnd();
        editor.FindAll(".block-dragging, .drop-above, .drop-below").ShouldBeEmpty();
        Kinds(editor).ShouldBe(["Heading", "Text", "Button", "Divider"]);
        _changes.ShouldBe(0);
    }

    [Fact]
    public void AReaderHasNoHandleAndADropWithoutADraggedBlockMovesNothing()
    {
        var reader = RenderEditor(FourBlocks(), readOnly: true);

        reader.FindAll("[data-testid=block-handle]").ShouldBeEmpty();
        reader.FindAll("[data-testid=block-body]")[3].Drop(); // e.g. a file dropped on the page
        Kinds(reader).ShouldBe(["Heading", "Text", "Button", "Divider"]);
        _changes.ShouldBe(0);
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

        // The menu closes before it hands the pick on, and under load that finishes after Click returns.
        editor.WaitForAssertion(() => text.Text.ShouldBe("Hello {{ customer.first_name | default: \"there\" }}"));
        _changes.ShouldBe(1);
    }
}
