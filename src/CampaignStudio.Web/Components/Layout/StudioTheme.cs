using MudBlazor;

namespace CampaignStudio.Web.Components.Layout;

/// <summary>The studio's one theme, light and dark.</summary>
public static class StudioTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5bdb",
            Secondary = "#0ca678",
            Tertiary = "#f08c00",
            AppbarBackground = "#1f2a44",
            AppbarText = "#ffffff",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
            DrawerText = "#1f2a44",
            Success = "#2b8a3e",
            Warning = "#e67700",
            Error = "#c92a2a",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7b96ff",
            Secondary = "#38d9a9",
            Tertiary = "#ffc078",
            AppbarBackground = "#151b2c",
            Background = "#10141f",
            Surface = "#1a2030",
            DrawerBackground = "#151b2c",
            DrawerText = "#d6dcef",
            TextPrimary = "#e6e9f2",
            TextSecondary = "#a8b0c7",
            Success = "#51cf66",
            Warning = "#ffa94d",
            Error = "#ff6b6b",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "232px" },
    };
}
