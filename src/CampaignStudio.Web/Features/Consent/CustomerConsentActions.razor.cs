using CampaignStudio.Domain.Consent;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CampaignStudio.Web.Features.Consent;

public partial class CustomerConsentActions
{
    private bool _busy;

    [Parameter, EditorRequired]
    public long CustomerId { get; set; }

    [Parameter]
    public ConsentStatus Status { get; set; }

    [Parameter]
    public bool HasEmail { get; set; }

    [Parameter]
    public bool IsErased { get; set; }

    /// <summary>Called after a change so the page shows the new status and log.</summary>
    [Parameter]
    public EventCallback OnChanged { get; set; }

    [Inject]
    private ConsentService Consent { get; set; } = default!;

    [Inject]
    private PrivacyRequestService Privacy { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private Task SendConfirmationAsync() => RunAsync(async () =>
    {
        var result = await Consent.SendDoubleOptInAsync(CustomerId);
        Snackbar.Add(result.Sent ? "Confirmation e-mail sent: the customer is pending until they click the link." : result.Error!, result.Sent ? Severity.Success : Severity.Error);
    });

    private Task RecordOptOutAsync() => RunAsync(async () =>
    {
        var outcome = await Consent.RecordOptOutAsync(CustomerId, null);
        Snackbar.Add(outcome.Recorded ? "Opt-out recorded." : outcome.Refusal!, outcome.Recorded ? Severity.Success : Severity.Error);
    });

    private async Task EraseAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Erase this customer?",
            "Name, address, attributes and the order ids of their purchases are removed for good; purchases stay as anonymous numbers. " +
            "The address is kept only as a hash so it is never mailed again. This cannot be undone.",
            yesText: "Erase", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }

        await RunAsync(async () =>
        {
            var erased = await Privacy.EraseAsync(CustomerId);
            Snackbar.Add(erased ? "Customer erased. The request is in the audit log." : "Nothing to erase.", erased ? Severity.Success : Severity.Info);
        });
    }

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
            await OnChanged.InvokeAsync();
        }
        finally
        {
            _busy = false;
        }
    }
}
