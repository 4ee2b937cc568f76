using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;
using MudBlazor.Interfaces;

namespace CampaignStudio.Web.Components.Layout;

public partial class NavMenu
{
    /// <summary>The studio's pages in menu order; the icons are MudBlazor's own SVG paths (constants, shared by every circuit).</summary>
    internal static readonly IReadOnlyList<NavItem> Items =
    [
        new("/", "Dashboard", Icons.Material.Filled.Dashboard, Prefix: false),
        new("/customers", "Customers", Icons.Material.Filled.People),
        new("/products", "Products", Icons.Material.Filled.Inventory2),
        new("/segments", "Segments", Icons.Material.Filled.Category),
        new("/experiments", "Experiments", Icons.Material.Filled.Science),
        new("/campaigns", "Campaigns", Icons.Material.Filled.Campaign),
        new("/images", "Image library", Icons.Material.Filled.PhotoLibrary),
        new("/flows", "Flows", Icons.Material.Filled.AccountTree),
        new("/sender-health", "Sender health", Icons.Material.Filled.MonitorHeart),
        new("/predictive", "Predictions", Icons.Material.Filled.Insights),
        new("/consent", "Consent", Icons.Material.Filled.VerifiedUser),
        new("/settings", "Settings", Icons.Material.Filled.Settings),
    ];

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>The drawer this menu sits in: told of a navigation, it closes itself where it overlays the page (phones).</summary>
    [CascadingParameter]
    private INavigationEventReceiver? Drawer { get; set; }

    protected override void OnInitialized() => Navigation.LocationChanged += OnLocationChanged;

    private bool IsActive(NavItem item) => IsActive(Navigation.ToBaseRelativePath(Navigation.Uri), item);

    /// <summary>NavLink's rule: the dashboard only on its own address, the others on theirs and every address below it.</summary>
    internal static bool IsActive(string baseRelativePath, NavItem item)
    {
        var path = "/" + baseRelativePath.Split('?', '#')[0].TrimEnd('/');
        var href = item.Href.TrimEnd('/');
        if (!item.Prefix || href.Length == 0)
        {
            return string.Equals(path.TrimEnd('/'), href, StringComparison.OrdinalIgnoreCase);
        }

        return path.Equals(href, StringComparison.OrdinalIgnoreCase)
            || path.StartsWith(href + "/", StringComparison.OrdinalIgnoreCase);
    }

    private async Task NavigatedAsync()
    {
        if (Drawer is not null)
        {
            await Drawer.OnNavigation();
        }
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => InvokeAsync(StateHasChanged);

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    internal sealed record NavItem(string Href, string Text, string Icon, bool Prefix = true)
    {
        public MarkupString IconMarkup => new(Icon);
    }
}
