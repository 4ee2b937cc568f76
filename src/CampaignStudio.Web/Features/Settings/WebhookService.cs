using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Webhooks;
using CampaignStudio.Sending.Webhooks;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>
/// Outbound webhooks as the Settings tab and the API use them (decision 050): Admin only — an endpoint receives customers'
/// addresses — checked here, not only by the hidden tab.
/// </summary>
public sealed class WebhookService(WebhookEndpoints endpoints, CurrentUser user)
{
    public async Task<IReadOnlyList<WebhookEndpointView>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await endpoints.ListAsync(ct);
    }

    /// <summary>Registers an endpoint; the secret comes back this once.</summary>
    /// <exception cref="ArgumentException">The address or the events, in words.</exception>
    public async Task<(WebhookEndpointView Endpoint, string Secret)> CreateAsync(string url, WebhookEvents events, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await endpoints.CreateAsync(url, events, await user.NameAsync(), ct);
    }

    public async Task<IReadOnlyList<WebhookDeliveryView>?> LogAsync(int endpointId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await endpoints.LogAsync(endpointId, ct: ct);
    }

    public async Task<long?> SendTestAsync(int endpointId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await endpoints.SendTestAsync(endpointId, ct);
    }

    /// <exception cref="ArgumentException">Unknown, or not failed.</exception>
    public async Task RetryAsync(long deliveryId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        await endpoints.RetryAsync(deliveryId, ct);
    }

    public async Task<bool> DeleteAsync(int endpointId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        return await endpoints.DeleteAsync(endpointId, ct);
    }

    /// <summary>The events in the marketer's words, for the tab's checkboxes and the log.</summary>
    public static readonly IReadOnlyList<(WebhookEvents Event, string Label)> Events =
    [
        (WebhookEvents.OptIn, "Opt-in"), (WebhookEvents.OptOut, "Opt-out"), (WebhookEvents.Bounce, "Bounce"),
        (WebhookEvents.Complaint, "Complaint"), (WebhookEvents.CampaignFinished, "Campaign finished"),
    ];
}
