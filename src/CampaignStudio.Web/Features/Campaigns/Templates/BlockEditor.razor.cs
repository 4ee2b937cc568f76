using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Web.Features.Assets;
using Microsoft.AspNetCore.Components;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

public partial class BlockEditor
{
    /// <summary>Every kind of block the editor offers, in the order of the "Add a block" menu.</summary>
    private static readonly (string Kind, Func<EmailBlock> Make)[] Kinds =
    [
        ("header", () => new HeaderBlock { ShopName = "Our shop" }),
        ("hero", () => new HeroImageBlock()),
        ("heading", () => new HeadingBlock { Text = "A heading" }),
        ("text", () => new TextBlock { Text = "Hello {{ customer.first_name | default: \"there\" }}," }),
        ("button", () => new ButtonBlock { Url = "https://" }),
        ("products", () => new ProductGridBlock()),
        ("discount", () => new DiscountCodeBlock { Code = "WELCOME10" }),
        ("divider", () => new DividerBlock()),
        ("footer", () => new FooterBlock()),
    ];

    [Parameter, EditorRequired]
    public BlockDocument Document { get; set; } = new();

    [Parameter]
    public bool ReadOnly { get; set; }

    /// <summary>Called after any change to the blocks or their settings.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    /// <summary>Reads the image library's pictures when an image setting's picker opens.</summary>
    [Parameter]
    public Func<Task<ImageChoices>>? LoadImages { get; set; }

    /// <summary>Reads the catalogue for a product grid's collection (categories, brands, product search, what it shows); null where there is none.</summary>
    [Parameter]
    public ProductPicks? Products { get; set; }

    /// <summary>The block being dragged; null when no drag of a block is under way.</summary>
    private int? _dragging;

    /// <summary>Where the dragged block would land: above or below this block.</summary>
    private (int Index, bool Below)? _dropAt;

    /// <summary>The drag handlers of each position, made once: the same delegates at every render keep their event ids, so a
    /// quick drag's drop (sent before the render that followed its dragstart reached the browser) still finds its handler.</summary>
    private readonly List<DragHandlers> _drag = [];

    private DragHandlers DragFor(int index)
    {
        while (_drag.Count <= index)
        {
            var at = _drag.Count;
            _drag.Add(new DragHandlers(() => StartDrag(at), () => Hover(at, below: false), () => Hover(at, below: true),
                () => DropAsync(at, below: false), () => DropAsync(at, below: true)));
        }

        return _drag[index];
    }

    private sealed record DragHandlers(Action Start, Action HoverAbove, Action HoverBelow, Func<Task> DropAbove, Func<Task> DropBelow);

    private string CardClass(int index)
    {
        var css = "pa-2 mb-2 block-card";
        if (_dragging == index)
        {
            css += " block-dragging";
        }

        // The indicator shows only where a drop changes the order: not on the block itself or the gap it came from.
        if (_dragging is { } from && _dropAt is { } at && at.Index == index && BlockDocument.Landing(from, at.Index, at.Below) is not null)
        {
            css += at.Below ? " drop-below" : " drop-above";
        }

        return css;
    }

    private void StartDrag(int index)
    {
        if (!ReadOnly)
        {
            (_dragging, _dropAt) = (index, null);
        }
    }

    private void Hover(int index, bool below)
    {
        if (_dragging is not null)
        {
            _dropAt = (index, below);
        }
    }

    private void EndDrag() => (_dragging, _dropAt) = (null, null);

    /// <summary>Moves the dragged block above or below the block it was dropped on; the page recompiles once, only when the order changed.</summary>
    private Task DropAsync(int index, bool below)
    {
        var from = _dragging;
        EndDrag();
        return from is { } dragged && !ReadOnly && Document.Move(dragged, index, below) ? Changed.InvokeAsync() : Task.CompletedTask;
    }

    private Task MoveAsync(int index, int by)
    {
        var to = index + by;
        if (to < 0 || to >= Document.Blocks.Count)
        {
            return Task.CompletedTask;
        }

        (Document.Blocks[index], Document.Blocks[to]) = (Document.Blocks[to], Document.Blocks[index]);
        return Changed.InvokeAsync();
    }

    private Task CopyAsync(int index)
    {
        if (Document.Blocks.Count >= BlockDocument.MaxBlocks)
        {
            return Task.CompletedTask;
        }

        Document.Blocks.Insert(index + 1, Document.Blocks[index].Copy());
        return Changed.InvokeAsync();
    }

    private Task RemoveAsync(int index)
    {
        Document.Blocks.RemoveAt(index);
        return Changed.InvokeAsync();
    }

    private Task AddAsync(EmailBlock block)
    {
        if (Document.Blocks.Count >= BlockDocument.MaxBlocks)
        {
            return Task.CompletedTask;
        }

        // Above the footer when there is one: the footer stays last.
        var footer = Document.Blocks.FindLastIndex(b => b is FooterBlock);
        Document.Blocks.Insert(footer >= 0 && block is not FooterBlock ? footer : Document.Blocks.Count, block);
        return Changed.InvokeAsync();
    }
}
