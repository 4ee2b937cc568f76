using System.Security.Claims;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace CampaignStudio.Web.Components.Layout;

public partial class MainLayout
{
    /// <summary>Cookie holding the chosen theme, so the server renders the right one and dark mode never flashes light.</summary>
    public const string ThemeCookie = "cs-theme";

    private StudioThemeProvider? _themeProvider;
    private ErrorBoundary? _errorBoundary;
    private bool _isDarkMode;
    private bool _drawerOpen = true;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private IHttpContextAccessor Http { get; set; } = default!;

    /// <summary>"dark" or "light" when the user chose; read from the cookie while prerendering and carried into the circuit.</summary>
    [PersistentState]
    public string? ThemeChoice { get; set; }

    protected override void OnInitialized()
    {
        ThemeChoice ??= Http.HttpContext?.Request.Cookies[ThemeCookie];
        _isDarkMode = ThemeChoice == "dark";
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        // Without a choice, follow the system setting.
        if (ThemeChoice is not ("dark" or "light") && _themeProvider is not null)
        {
            _isDarkMode = await _themeProvider.GetSystemDarkModeAsync();
            StateHasChanged();
        }

        await JS.InvokeVoidAsync("studio.markInteractive");
    }

    private async Task ToggleThemeAsync()
    {
        _isDarkMode = !_isDarkMode;
        ThemeChoice = _isDarkMode ? "dark" : "light";
        await JS.InvokeVoidAsync("studio.setTheme", ThemeChoice);
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private void Recover() => _errorBoundary?.Recover();

    private static string RoleOf(ClaimsPrincipal user) =>
        Roles.All.FirstOrDefault(user.IsInRole) ?? "no role";
}
