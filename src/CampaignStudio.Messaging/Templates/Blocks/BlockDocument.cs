using System.Text.Json;
using System.Text.Json.Serialization;

namespace CampaignStudio.Messaging.Templates.Blocks;

/// <summary>The blocks of one e-mail, top to bottom, and their JSON as stored on the template.</summary>
public sealed class BlockDocument
{
    public const int MaxBlocks = 60;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 8,
    };

    public List<EmailBlock> Blocks { get; set; } = [];

    /// <summary>A new e-mail as the editor starts it: header, heading, text, button, products, divider, footer.</summary>
    public static BlockDocument Starter() => new()
    {
        Blocks =
        [
            new HeaderBlock { ShopName = "Our shop" },
            new HeadingBlock { Text = "Hello {{ customer.first_name | default: \"there\" }}!" },
            new TextBlock { Text = "We picked something from {{ top_category | default: \"our new collection\" }} for you." },
            new ButtonBlock { Label = "Visit the shop", Url = "https://shop.example.com/" },
            new ProductGridBlock(),
            new DividerBlock(),
            new FooterBlock(),
        ],
    };

    /// <summary>
    /// Where the block at <paramref name="from"/> ends up when dropped above or below the block at <paramref name="target"/>
    /// (its index after the move), or null when that changes nothing: dropped on itself, or into the gap it came from.
    /// </summary>
    public static int? Landing(int from, int target, bool below)
    {
        var gap = target + (below ? 1 : 0);
        if (gap == from || gap == from + 1)
        {
            return null;
        }

        return gap > from ? gap - 1 : gap;
    }

    /// <summary>Moves a block above or below another (the editor's drag and drop); false, and no change, when the order stays as it is.</summary>
    public bool Move(int from, int target, bool below)
    {
        if (from < 0 || from >= Blocks.Count || target < 0 || target >= Blocks.Count || Landing(from, target, below) is not { } to)
        {
            return false;
        }

        var block = Blocks[from];
        Blocks.RemoveAt(from);
        Blocks.Insert(to, block);
        return true;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads stored or posted blocks; the problem in words when the JSON is not a block list.</summary>
    public static bool TryParse(string? json, out BlockDocument document, out string? problem)
    {
        document = new BlockDocument();
        problem = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            problem = "There are no blocks.";
            return false;
        }

        try
        {
            document = JsonSerializer.Deserialize<BlockDocument>(json, Json) ?? new BlockDocument();
        }
        catch (JsonException ex)
        {
            problem = "The blocks cannot be read: " + ex.Message;
            return false;
        }
        catch (NotSupportedException ex)
        {
            problem = "The blocks cannot be read: " + ex.Message;
            return false;
        }

        document.Blocks.RemoveAll(b => b is null);
        if (document.Blocks.Count > MaxBlocks)
        {
            problem = $"An e-mail may have at most {MaxBlocks} blocks; this one has {document.Blocks.Count}.";
            return false;
        }

        return true;
    }
}
