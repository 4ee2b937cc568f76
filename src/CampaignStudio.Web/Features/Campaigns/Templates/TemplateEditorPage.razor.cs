using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Templates.Blocks;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Campaigns.Templates;

public partial class TemplateEditorPage
{
    private static readonly string StarterHtml = $$$"""
        <html><body style="font-family: Arial, sans-serif; color: #222;">
        <h1>Hello {{ customer.first_name | default: "there" }}!</h1>
        <p>We picked something from {{ top_category | default: "our new collection" }} for you.</p>
        {{{MergeFieldCatalog.RecommendationsSnippet}}}
        <p><a href="https://shop.example.com/">Visit the shop</a></p>
        </body></html>
        """;

    private bool _loading = true;
    private bool _notFound;
    private bool _canEdit;
    private bool _saving;
    private bool _sending;
    private string _name = "";
    private string _subject = "Something for you, {{ customer.first_name | default: \"friend\" }}";
    private string? _preheader;
    private string _html = StarterHtml;
    private string? _text;
    private string? _discountTier = "10%";
    private long? _customerId;
    private string? _customerSearch;
    private string? _testAddress;
    private IReadOnlyList<PreviewCustomer> _customers = [];
    private IReadOnlyList<TemplateError> _errors = [];
    private TemplatePreview? _preview;
    private string? _message;
    private BlockDocument? _blocks;
    private BlockEmail? _compiled;
    private IReadOnlyList<string> _blockProblems = [];
    private IReadOnlyList<string> _fieldWarnings = [];
    private bool _phone;
    private Severity _messageSeverity = Severity.Success;

    [Parameter]
    public int? Id { get; set; }

    [Inject]
    private TemplateService Templates { get; set; } = null!;

    [Inject]
    private CurrentUser User { get; set; } = null!;

    [Inject]
    private Assets.AssetService ImageLibrary { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

    [Inject]
    private Products.ProductService Catalogue { get; set; } = null!;

    /// <summary>The catalogue as a product grid's settings read it (collections: categories, brands, product search).</summary>
    private ProductPicks ProductChoices => _productChoices ??= ProductPicks.From(Catalogue);

    private ProductPicks? _productChoices;

    /// <summary>What the editor holds as Liquid source: for blocks, what they compiled to at the last change.</summary>
    private TemplateSource Source => _blocks is not null && _compiled is not null
        ? new(_subject ?? "", _preheader, _compiled.Html, _compiled.Text)
        : new(_subject ?? "", _preheader, _html ?? "", _text);

    protected override async Task OnParametersSetAsync()
    {
        _loading = true;
        _canEdit = await User.IsAllowedAsync(Policies.CanEdit);
        if (Id is { } id)
        {
            var template = await Templates.GetAsync(id);
            if (template is null)
            {
                _notFound = true;
                _loading = false;
                return;
            }

            (_name, _subject, _preheader, _html, _text) = (template.Name, template.Subject, template.Preheader, template.HtmlBody, template.TextBody);
            _blocks = BlockDocument.TryParse(template.BlocksJson, out var blocks, out _) ? blocks : null;
        }
        else if (_canEdit)
        {
            // A new template starts from blocks: the marketer can switch to HTML at any time.
            _blocks = BlockDocument.Starter();
        }

        _customers = await Templates.FindCustomersAsync(null);
        _customerId ??= _customers.FirstOrDefault()?.Id;
        await RefreshAsync();
        _loading = false;
    }

    private async Task ChangedAsync(Action change)
    {
        change();
        await RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        if (_canEdit && _blocks is not null)
        {
            _compiled = await Templates.CompileBlocksAsync(_blocks);
            _blockProblems = _compiled.Problems;
        }

        // Editors preview what they type; readers see saved templates only, rendered from the stored source on the server,
        // so a Manager who edits the page in the browser still cannot run source of their own.
        _preview = _canEdit
            ? await Templates.PreviewAsync(Source, _customerId, _discountTier)
            : Id is { } id ? await Templates.PreviewSavedAsync(id, _customerId, _discountTier) : null;
        _errors = _preview?.Message is null ? _preview?.Errors ?? [] : [];
        _fieldWarnings = _preview?.FieldWarnings ?? [];
    }

    /// <summary>
    /// Blocks → HTML keeps what the blocks made, as HTML to edit by hand (the blocks go at the next save). HTML → blocks
    /// starts from the starter blocks: HTML cannot be turned back into blocks.
    /// </summary>
    private Task SwitchModeAsync(bool toBlocks) => ChangedAsync(() =>
    {
        if (toBlocks && _blocks is null)
        {
            _blocks = BlockDocument.Starter();
        }
        else if (!toBlocks && _blocks is not null)
        {
            (_html, _text) = _compiled is { } compiled ? (compiled.Html, compiled.Text) : (_html, _text);
            _blocks = null;
            _compiled = null;
            _blockProblems = [];
        }
    });

    /// <summary>Puts a merge field before the end of the body (the studio has no cursor position without a script editor).</summary>
    private Task InsertMergeFieldAsync(string snippet) => ChangedAsync(() =>
    {
        var html = _html ?? "";
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        _html = end < 0 ? html + snippet : html.Insert(end, snippet + "\n");
    });

    /// <summary>Puts the recommendations snippet before the end of the body (or at the end of the HTML).</summary>
    private Task InsertRecommendationsAsync() => ChangedAsync(() =>
    {
        var html = _html;
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        _html = end < 0 ? html + "\n" + MergeFieldCatalog.RecommendationsSnippet : html.Insert(end, MergeFieldCatalog.RecommendationsSnippet + "\n");
    });

    private async Task SearchCustomersAsync(string? text)
    {
        _customerSearch = text;
        _customers = await Templates.FindCustomersAsync(text);
        if (_customers.Count > 0 && _customers.All(c => c.Id != _customerId))
        {
            _customerId = _customers[0].Id;
            await RefreshAsync();
        }
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            var saved = await Templates.SaveAsync(Id, _name, Source, _blocks);
            (_message, _messageSeverity) = _errors.Count > 0
                ? ("Saved as work in progress: a campaign cannot use it until the errors are fixed.", Severity.Warning)
                : saved.Warnings.Count > 0
                    ? ("Saved, but check: " + string.Join(" ", saved.Warnings), Severity.Warning)
                    : ("Saved.", Severity.Success);
            if (Id is null)
            {
                Navigation.NavigateTo($"/campaigns/templates/{saved.Id}");
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task TestSendAsync()
    {
        _sending = true;
        try
        {
            var result = await Templates.TestSendAsync(Source, _customerId, _testAddress ?? "", _discountTier);
            (_message, _messageSeverity) = result.IsSent ? ($"Test {char.ToLowerInvariant(result.Detail![0])}{result.Detail[1..]}.", Severity.Success) : ($"The test was not sent: {result.Detail}", Severity.Error);
        }
        finally
        {
            _sending = false;
        }
    }
}
