using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using MudBlazor;

namespace CampaignStudio.Web.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, with its style sheets shared by every circuit. The provider writes the theme as an 11,700
/// character CSS string on each render and the circuit keeps it in its render tree (twice, current and previous): 46 KB a
/// circuit for text that is the same for everyone in light mode and the same again in dark mode (decision 061).
/// </summary>
public sealed class StudioThemeProvider : MudThemeProvider
{
    // Light and dark of the one studio theme, plus MudBlazor's fixed scrollbar and chart styles: a handful of strings.
    private const int MaxSharedSheets = 16;
    private static readonly ConcurrentDictionary<string, string> SharedSheets = new(StringComparer.Ordinal);

    // Reads the frames MudBlazor's provider wrote (BL0006) and writes them again with MudBlazor's own sequence numbers
    // (ASP0006), so the diff between renders matches as it would have. A new frame kind falls back to MudBlazor's output.
#pragma warning disable BL0006, ASP0006
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        using var own = new RenderTreeBuilder();
        base.BuildRenderTree(own);
        var frames = own.GetFrames();
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames.Array[i].FrameType != RenderTreeFrameType.Markup)
            {
                // A MudBlazor version that renders more than style sheets: render it as it is.
                base.BuildRenderTree(builder);
                return;
            }
        }

        for (var i = 0; i < frames.Count; i++)
        {
            builder.AddMarkupContent(frames.Array[i].Sequence, Shared(frames.Array[i].MarkupContent));
        }
    }
#pragma warning restore BL0006, ASP0006

    /// <summary>The one instance of a sheet every circuit holds; the text built for this render is left to the collector.</summary>
    internal static string Shared(string sheet) =>
        SharedSheets.TryGetValue(sheet, out var shared) ? shared
        : SharedSheets.Count < MaxSharedSheets ? SharedSheets.GetOrAdd(sheet, sheet)
        : sheet;
}
