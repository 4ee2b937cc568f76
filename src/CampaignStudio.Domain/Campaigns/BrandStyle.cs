using System.Text.RegularExpressions;

namespace CampaignStudio.Domain.Campaigns;

/// <summary>
/// The shop's brand as e-mails built from blocks use it: colours as <c>#rrggbb</c>, fonts from a short list of font
/// stacks every mail program has (a web font would need a link many programs drop), and a logo for the header block.
/// </summary>
/// <param name="PrimaryColor">Buttons, links and the discount code's border.</param>
/// <param name="TextColor">Body text and headings.</param>
/// <param name="BackgroundColor">Around the 600-pixel content column.</param>
/// <param name="ContentColor">Behind the content column.</param>
/// <param name="BodyFont">A name from <see cref="Fonts"/>.</param>
/// <param name="HeadingFont">A name from <see cref="Fonts"/>.</param>
/// <param name="LogoUrl">An https image address; the header block uses it unless it sets its own.</param>
public sealed partial record BrandStyle(string PrimaryColor, string TextColor, string BackgroundColor, string ContentColor, string BodyFont,
    string HeadingFont, string? LogoUrl)
{
    public static BrandStyle Default { get; } = new("#1565c0", "#222222", "#f2f4f7", "#ffffff", "Arial", "Georgia", null);

    /// <summary>The fonts a marketer can pick, with the CSS font stack each stands for.</summary>
    public static IReadOnlyDictionary<string, string> Fonts { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Arial"] = "Arial, Helvetica, sans-serif",
        ["Verdana"] = "Verdana, Geneva, sans-serif",
        ["Tahoma"] = "Tahoma, Geneva, sans-serif",
        ["Trebuchet MS"] = "'Trebuchet MS', Helvetica, sans-serif",
        ["Georgia"] = "Georgia, 'Times New Roman', serif",
        ["Times New Roman"] = "'Times New Roman', Times, serif",
        ["Courier New"] = "'Courier New', Courier, monospace",
    };

    public string BodyFontStack => Fonts.GetValueOrDefault(BodyFont, Fonts["Arial"]);

    public string HeadingFontStack => Fonts.GetValueOrDefault(HeadingFont, Fonts["Georgia"]);

    /// <summary>Why this brand cannot be saved, in words; null when it can.</summary>
    public string? Problem =>
        Colour(PrimaryColor, "The main colour")
        ?? Colour(TextColor, "The text colour")
        ?? Colour(BackgroundColor, "The background colour")
        ?? Colour(ContentColor, "The content colour")
        ?? (Fonts.ContainsKey(BodyFont ?? "") ? null : $"\"{BodyFont}\" is not one of the fonts: {string.Join(", ", Fonts.Keys)}.")
        ?? (Fonts.ContainsKey(HeadingFont ?? "") ? null : $"\"{HeadingFont}\" is not one of the fonts: {string.Join(", ", Fonts.Keys)}.")
        ?? (LogoUrl is null || IsImageAddress(LogoUrl) ? null : "The logo must be an https:// (or http://) image address, or a picture from the image library.");

    /// <summary>Whether a colour is written as the editor and every mail program read it: <c>#</c> and six hex digits.</summary>
    public static bool IsColour(string? text) => text is not null && HexColour().IsMatch(text);

    /// <summary>Whether an address may be an image's src: absolute http(s), or a path of the studio's own image library.</summary>
    public static bool IsImageAddress(string? text) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= Limits.Url
        && (text.StartsWith("/assets/images/", StringComparison.Ordinal)
            || Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http");

    private static string? Colour(string? value, string what) =>
        IsColour(value) ? null : $"{what} must be written as # and six hex digits, e.g. #1565c0 (it is \"{value}\").";

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex HexColour();
}
