using System.Security.Claims;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace CampaignStudio.Web.Components.Layout;

public partial class MainLayout
{
    private MudThemeProvider? _themeProvider;
    private ErrorBoundary? _errorBoundary;
    private bool _isDarkMode;
    private bool _drawerOpen = true;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        await JS.InvokeVoidAsync("studio.markInteractive");

        // The choice is remembered per browser; without one, follow the system setting.
        var saved = await JS.InvokeAsync<string?>("studio.getTheme");
        _isDarkMode = saved switch
        {
            "dark" => true,
            "light" => false,
            _ => _themeProvider is not null && await _themeProvider.GetSystemDarkModeAsync(),
        };
        StateHasChanged();
    }

    private async Task ToggleThemeAsync()
    {
        _isDarkMode = !_isDarkMode;
        await JS.InvokeVoidAsync("studio.setTheme", _isDarkMode ? "dark" : "light");
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private void Recover() => _errorBoundary?.Recover();

    private static string RoleOf(ClaimsPrincipal user) =>
        Roles.All.FirstOrDefault(user.IsInRole) ?? "no role";
}
