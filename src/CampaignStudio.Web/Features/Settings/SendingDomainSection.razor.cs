using CampaignStudio.Messaging.Dns;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Settings;

public partial class SendingDomainSection
{
    private DkimView? _view;
    private DnsCheckResult? _check;
    private string _domain = "", _selector = "";
    private string? _pem;
    private bool _importing, _busy;

    [Inject]
    private SendingDomainService Domains { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    protected override async Task OnInitializedAsync() => Show(await Domains.GetAsync());

    private void Show(DkimView view)
    {
        _view = view;
        _domain = view.Domain.Length > 0 ? view.Domain : view.FromDomain;
        _selector = view.Selector;
    }

    private Task SaveAsync() => RunAsync(async () =>
    {
        Show(await Domains.SaveAsync(_domain, _selector));
        Snackbar.Add("Saved. Publish the DKIM record under the new name if it changed.", Severity.Success);
    });

    private async Task GenerateAsync()
    {
        if (_view?.PublicKey is not null)
        {
            // Mail signed with the new key fails until its record is published: say so before the old key is gone.
            var replace = await Dialogs.ShowMessageBoxAsync("Replace the signing key?",
                "Mail is signed with the new key at once. Publish its record first under a new selector (change the selector, save, then generate), or signatures fail until the record is updated.",
                yesText: "Replace the key", cancelText: "Cancel");
            if (replace != true)
            {
                return;
            }
        }

        await RunAsync(async () =>
        {
            if (_domain.Length > 0 && (_domain != _view?.Domain || _selector != _view?.Selector))
            {
                await Domains.SaveAsync(_domain, _selector);
            }

            Show(await Domains.GenerateKeyAsync());
            _check = null;
            Snackbar.Add("A new key signs every message from now on. Publish its DKIM record below.", Severity.Success);
        });
    }

    private Task ImportAsync() => RunAsync(async () =>
    {
        Show(await Domains.ImportKeyAsync(_pem));
        (_pem, _importing, _check) = (null, false, null);
        Snackbar.Add("Key imported. It is stored encrypted and not shown again.", Severity.Success);
    });

    private Task CheckAsync() => RunAsync(async () => _check = await Domains.CheckAsync());

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
        }
        catch (SendingDomainException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Topic(DnsTopic topic) => topic switch
    {
        DnsTopic.Dkim => "DKIM",
        DnsTopic.Spf => "SPF",
        DnsTopic.Dmarc => "DMARC",
        _ => "Alignment",
    };
}
