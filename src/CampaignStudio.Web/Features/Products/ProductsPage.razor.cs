using MudBlazor;

namespace CampaignStudio.Web.Features.Products;

/// <summary>The server-paged catalogue grid: sort, page, search and the stock filter all run as SQL.</summary>
public partial class ProductsPage
{
    private MudDataGrid<ProductListItem>? _grid;
    private string? _search;
    private bool _inStockOnly;
    private int _total;
    private bool _loaded;

    private async Task<GridData<ProductListItem>> LoadAsync(GridState<ProductListItem> state, CancellationToken ct)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var column = sort is null ? null : _grid?.RenderedColumns.FirstOrDefault(c => c.PropertyName == sort.SortBy);
        var sortKey = column?.Tag as string ?? sort?.SortBy;
        var page = await Products.QueryAsync(new ProductQuery(_search, _inStockOnly, sortKey, sort?.Descending ?? false, state.Page, state.PageSize), ct);
        _total = page.Total;
        _loaded = true;
        return new GridData<ProductListItem> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task SearchChangedAsync(string? value)
    {
        _search = value;
        await ReloadAsync();
    }

    private async Task InStockChangedAsync(bool value)
    {
        _inStockOnly = value;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }
}
