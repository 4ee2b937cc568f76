namespace CampaignStudio.Web.Features.Webhooks;

public static class WebhooksFeature
{
    public static IServiceCollection AddWebhooksFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => configuration.GetSection(ProviderWebhookOptions.Section).Get<ProviderWebhookOptions>() ?? new ProviderWebhookOptions());
        // No redirects: a redirect would lead the certificate fetch or the confirmation off the allowed hosts.
        services.AddHttpClient(SnsCertificates.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<SnsCertificates>();
        services.AddSingleton<ProviderWebhookReceiver>();
        return services;
    }
}
