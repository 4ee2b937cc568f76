using System.Text.Json;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>Access and erasure requests for one person. Admin only; each request lands in the audit log.</summary>
public sealed class PrivacyRequestService(CustomerPrivacy privacy, CurrentUser user, CustomerCountCache counts)
{
    /// <summary>Writes everything about the customer as JSON or CSV; false when there is no such customer.</summary>
    public async Task<bool> WriteExportAsync(long customerId, string format, Stream output, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        var export = await privacy.ExportAsync(customerId, await user.NameAsync(), csv ? "csv" : "json", ct);
        if (export is null)
        {
            return false;
        }

        if (csv)
        {
            await CustomerPrivacy.WriteCsvAsync(export, output, ct);
        }
        else
        {
            await JsonSerializer.SerializeAsync(output, export, CustomerPrivacy.JsonOptions, ct);
        }

        return true;
    }

    public async Task<bool> EraseAsync(long customerId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var erased = await privacy.EraseAsync(customerId, await user.NameAsync(), ct);
        counts.Invalidate();
        return erased;
    }
}
