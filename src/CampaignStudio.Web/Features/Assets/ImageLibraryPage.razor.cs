using System.Globalization;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using MudBlazor;

namespace CampaignStudio.Web.Features.Assets;

public partial class ImageLibraryPage
{
    private IReadOnlyList<LibraryImage>? _images;
    private bool _canEdit;
    private bool _uploading;
    private bool _busy;
    private string? _problem;

    [Inject]
    private AssetService Library { get; set; } = null!;

    [Inject]
    private CurrentUser User { get; set; } = null!;

    [Inject]
    private IJSRuntime Js { get; set; } = null!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = null!;

    [Inject]
    private IDialogService Dialogs { get; set; } = null!;

    protected override async Task OnInitializedAsync()
    {
        _canEdit = await User.IsAllowedAsync(Policies.CanEdit);
        await LoadAsync();
    }

    private async Task LoadAsync() => _images = await Library.LibraryAsync();

    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        _uploading = true;
        _problem = null;
        try
        {
            // One byte over the limit may be read, so the service (not the browser stream) says the picture is too large.
            await using var stream = file.OpenReadStream(Library.MaxImageBytes + 1);
            var (asset, problem) = await Library.UploadAsync(stream);
            if (asset is null)
            {
                _problem = $"“{file.Name}” was not added: {problem}";
                return;
            }

            Snackbar.Add($"“{file.Name}” is in the library.", Severity.Success);
            await LoadAsync();
        }
        catch (IOException)
        {
            // The browser stream refuses to read past the limit before the service sees the bytes.
            _problem = $"“{file.Name}” was not added: the picture is larger than {Megabytes(Library.MaxImageBytes)}.";
        }
        finally
        {
            _uploading = false;
        }
    }

    private async Task CopyAsync(LibraryImage image)
    {
        var copied = await Js.InvokeAsync<bool>("studio.copyText", image.PublicUrl);
        Snackbar.Add(copied ? "Address copied." : $"The browser did not allow copying. The address: {image.PublicUrl}", copied ? Severity.Success : Severity.Info);
    }

    private async Task DeleteAsync(LibraryImage image)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this picture?",
            "No template, logo or product uses it. Mail already sent that shows it will show a broken picture from now on.", yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true)
        {
            return;
        }

        _busy = true;
        try
        {
            var (outcome, usedBy) = await Library.DeleteAsync(image.Asset.Name);
            _problem = outcome == AssetDeleteOutcome.InUse ? $"The picture was not deleted: it is used by {string.Join(", ", usedBy)}." : null;
            if (outcome == AssetDeleteOutcome.Deleted)
            {
                Snackbar.Add("Picture deleted.", Severity.Success);
            }

            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static string SizeText(long bytes) => bytes < 1024 ? $"{bytes} bytes"
        : bytes < 1024 * 1024 ? (bytes / 1024.0).ToString("0.#", CultureInfo.CurrentCulture) + " KB"
        : Megabytes(bytes);

    private static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.#", CultureInfo.CurrentCulture) + " MB";
}
