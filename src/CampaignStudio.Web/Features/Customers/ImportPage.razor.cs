using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Imports;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace CampaignStudio.Web.Features.Customers;

public partial class ImportPage
{
    private ImportKind _kind = ImportKind.Customers;
    private UploadedFile? _upload;
    private ImportPreview? _preview;
    private ImportMapping? _mapping;
    private string? _error;
    private string? _fileName;
    private bool _busy;
    private string? _encoding;
    private bool _encodingConfirmed;

    [Inject]
    private ImportService Imports { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private async Task UploadAsync(InputFileChangeEventArgs e)
    {
        _error = null;
        _busy = true;
        _fileName = e.File.Name;
        try
        {
            await using var stream = e.File.OpenReadStream(ImportService.MaxUploadBytes);
            _upload = await Imports.SaveUploadAsync(stream, e.File.Name);
            _preview = await Imports.PreviewAsync(_upload, _kind);
            _mapping = _preview.Mapping;
            _encoding = _preview.IsUtf8 ? null : _preview.Encoding;
            _encodingConfirmed = false;
        }
        catch (ImportFileException ex)
        {
            _error = ex.Message;
        }
        catch (IOException ex)
        {
            _error = "The upload did not complete: " + ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private void MappingChanged(ImportMapping mapping) => _mapping = mapping;

    /// <summary>Decodes the preview again with the chosen encoding; the marketer confirms again for it.</summary>
    private async Task EncodingChangedAsync(string encoding)
    {
        _encoding = encoding;
        _encodingConfirmed = false;
        try
        {
            var again = await Imports.PreviewAsync(_upload!, _kind, encoding);
            _preview = again with { IsUtf8 = false };
            _mapping!.Encoding = null;
        }
        catch (ImportFileException ex)
        {
            _error = ex.Message;
        }
    }

    private async Task RestartAsync()
    {
        if (_upload is not null)
        {
            await Imports.DiscardAsync(_upload);
        }

        _upload = null;
        _preview = null;
        _mapping = null;
        _error = null;
    }

    private async Task StartAsync()
    {
        _error = null;
        _busy = true;
        try
        {
            _mapping!.Encoding = _preview is { IsUtf8: false } ? _encoding : null;
            var jobId = await Imports.StartAsync(_upload!, _kind, _mapping);
            Navigation.NavigateTo($"/customers/imports/{jobId}");
        }
        catch (ImportFileException ex)
        {
            _error = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
