using System.Text.Json.Serialization;

namespace CampaignStudio.Messaging.Templates.Blocks;

/// <summary>
/// One section of an e-mail built in the block editor. Blocks are settable classes so the editor binds to them directly;
/// they are stored as JSON on the template (<see cref="BlockDocument"/>) and turned into HTML and text by <see cref="BlockCompiler"/>.
/// Texts may hold merge fields (<c>{{ customer.first_name | default: "there" }}</c>); everything else in them is shown as written.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(HeaderBlock), "header")]
[JsonDerivedType(typeof(HeroImageBlock), "hero")]
[JsonDerivedType(typeof(HeadingBlock), "heading")]
[JsonDerivedType(typeof(TextBlock), "text")]
[JsonDerivedType(typeof(ButtonBlock), "button")]
[JsonDerivedType(typeof(ProductGridBlock), "products")]
[JsonDerivedType(typeof(DiscountCodeBlock), "discount")]
[JsonDerivedType(typeof(DividerBlock), "divider")]
[JsonDerivedType(typeof(FooterBlock), "footer")]
public abstract class EmailBlock
{
    /// <summary>What the editor calls this kind of block.</summary>
    [JsonIgnore]
    public abstract string Kind { get; }

    /// <summary>A copy to insert elsewhere (the editor's "duplicate").</summary>
    public virtual EmailBlock Copy() => (EmailBlock)MemberwiseClone();
}

[JsonConverter(typeof(JsonStringEnumConverter<BlockAlign>))]
public enum BlockAlign
{
    Left,
    Center,
    Right,
}

/// <summary>The logo (the brand's unless set here) and, beside it or alone, the shop's name; the whole header links to the shop.</summary>
public sealed class HeaderBlock : EmailBlock
{
    public override string Kind => "Header with logo";

    public string? LogoUrl { get; set; }

    public string? ShopName { get; set; }

    public string? Link { get; set; }

    public int LogoWidth { get; set; } = 160;
}

/// <summary>A full-width picture, optionally a link.</summary>
public sealed class HeroImageBlock : EmailBlock
{
    public override string Kind => "Hero image";

    public string ImageUrl { get; set; } = "";

    public string AltText { get; set; } = "";

    public string? Link { get; set; }
}

public sealed class HeadingBlock : EmailBlock
{
    public override string Kind => "Heading";

    public string Text { get; set; } = "";

    /// <summary>1 (large) or 2 (smaller).</summary>
    public int Level { get; set; } = 1;

    public BlockAlign Align { get; set; } = BlockAlign.Left;
}

/// <summary>Paragraphs: a blank line starts a new one, a single line break stays a line break.</summary>
public sealed class TextBlock : EmailBlock
{
    public override string Kind => "Text";

    public string Text { get; set; } = "";

    public BlockAlign Align { get; set; } = BlockAlign.Left;
}

public sealed class ButtonBlock : EmailBlock
{
    public override string Kind => "Button";

    public string Label { get; set; } = "Shop now";

    public string Url { get; set; } = "";

    public BlockAlign Align { get; set; } = BlockAlign.Center;
}

/// <summary>Where a product grid takes its products from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProductSource>))]
public enum ProductSource
{
    /// <summary>The products recommended for each customer (different per customer).</summary>
    Recommended,

    /// <summary>A category of the catalogue, best sellers first (the same for everyone).</summary>
    Category,

    /// <summary>A brand of the catalogue, best sellers first (the same for everyone).</summary>
    Brand,

    /// <summary>Products the marketer picked, in the order picked (the same for everyone).</summary>
    Products,
}

/// <summary>
/// A grid of products: picture, name, price (and sale price), each a link where the product has one. The products are the
/// customer's recommendations or a collection chosen from the catalogue (<see cref="Collection"/>); only products in stock show.
/// </summary>
public sealed class ProductGridBlock : EmailBlock
{
    public override string Kind => "Product grid";

    public string? Heading { get; set; } = "Picked for you";

    /// <summary>How many products at most (1 to <see cref="ProductCollection.MaxProducts"/>).</summary>
    public int Count { get; set; } = 3;

    /// <summary>Products per row on a wide screen (1–3); phones show one per row.</summary>
    public int Columns { get; set; } = 3;

    public bool ShowPrices { get; set; } = true;

    public string ButtonLabel { get; set; } = "View";

    public ProductSource Source { get; set; } = ProductSource.Recommended;

    /// <summary>The category shown when <see cref="Source"/> is <see cref="ProductSource.Category"/>.</summary>
    public string? Category { get; set; }

    /// <summary>The brand shown when <see cref="Source"/> is <see cref="ProductSource.Brand"/>.</summary>
    public string? Brand { get; set; }

    /// <summary>The shop's ids of the products picked one by one, in the order shown, when <see cref="Source"/> is <see cref="ProductSource.Products"/>.</summary>
    public List<string> ProductIds { get; set; } = [];

    /// <summary>The chosen collection; null for recommendations, or when the category, brand or products are not chosen yet.</summary>
    [JsonIgnore]
    public ProductCollection? Collection => Source switch
    {
        ProductSource.Category => ProductCollection.Category(Category),
        ProductSource.Brand => ProductCollection.Brand(Brand),
        ProductSource.Products => ProductCollection.Products(ProductIds),
        _ => null,
    };

    public override EmailBlock Copy()
    {
        var copy = (ProductGridBlock)base.Copy();
        copy.ProductIds = [.. ProductIds];
        return copy;
    }
}

public sealed class DiscountCodeBlock : EmailBlock
{
    public override string Kind => "Discount code";

    public string Code { get; set; } = "";

    public string? Caption { get; set; } = "Your code at checkout";
}

public sealed class DividerBlock : EmailBlock
{
    public override string Kind => "Divider";
}

/// <summary>
/// A closing note above the legally required footer. The unsubscribe link and postal address themselves are always added
/// after the content by the renderer (from Settings), for block and HTML templates alike, so no template can lose them.
/// </summary>
public sealed class FooterBlock : EmailBlock
{
    public override string Kind => "Footer";

    public string? Note { get; set; } = "You get this e-mail because you signed up at our shop.";
}
