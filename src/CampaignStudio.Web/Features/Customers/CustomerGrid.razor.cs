using CampaignStudio.Domain.Wording;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>The server-paged customer grid: sort, page and search all run as SQL.</summary>
public partial class CustomerGrid
{
    private MudDataGrid<CustomerListItem>? _grid;
    private string? _search;
    private int _total;
    private bool _totalIsCapped;
    private bool _totalIsEstimate;
    private bool _loaded;

    /// <summary>Where the rows come from; the page passes <see cref="CustomerService.QueryAsync"/>.</summary>
    [Parameter, EditorRequired]
    public Func<CustomerQuery, CancellationToken, Task<CustomerPage>> Query { get; set; } = default!;

    [Parameter]
    public EventCallback<long> OnOpen { get; set; }

    private async Task<GridData<CustomerListItem>> LoadAsync(GridState<CustomerListItem> state, CancellationToken ct)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var column = sort is null ? null : _grid?.RenderedColumns.FirstOrDefault(c => c.PropertyName == sort.SortBy);
        var sortKey = column?.Tag as string ?? sort?.SortBy;
        var page = await Query(new CustomerQuery(_search, sortKey, sort?.Descending ?? false, state.Page, state.PageSize), ct);
        _total = page.Total;
        _totalIsCapped = page.TotalIsCapped;
        _totalIsEstimate = page.TotalIsEstimate;
        _loaded = true;
        return new GridData<CustomerListItem> { Items = page.Items, TotalItems = page.Total };
    }

    /// <summary>"1,234 customers"; "10,000+ customers" past a search's cap; "about 1,000,000 customers" when the database estimated.</summary>
    private string TotalText => !_loaded ? "Counting…"
        : _totalIsCapped ? $"{_total:N0}+ {Plural.Word(_total, "customer")}"
        : _totalIsEstimate ? "about " + Plural.Of(_total, "customer")
        : Plural.Of(_total, "customer");

    private async Task SearchChangedAsync(string? value)
    {
        _search = value;
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    /// <summary>A prediction, or a dash that says why there is none (predictions need purchase history and a fitted model).</summary>
    private static RenderFragment Prediction(string? value) => builder =>
    {
        if (value is not null)
        {
            builder.AddContent(0, value);
            return;
        }

        builder.OpenElement(1, "span");
        builder.AddAttribute(2, "class", "mud-text-secondary");
        builder.AddAttribute(3, "title", "No prediction yet: it needs purchases and a fitted model (Predictions page).");
        builder.AddContent(4, "—");
        builder.CloseElement();
    };
}
