using CampaignStudio.Data;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Dkim;
using CampaignStudio.Sending.Dkim;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Sending.Personalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Sending;

public static class DependencyInjection
{
    /// <summary>The Data Protection application name: every host that signs or reads links and cookies shares one key ring.</summary>
    public const string KeyRingName = "CampaignStudio";

    /// <summary>
    /// The send pipeline: launch, lease, render with recommendations and best send hours, track links, send, record. Both
    /// hosts call this (the web app and the worker host), so they share the transport and the key ring of <see cref="AddStudioMail"/>.
    /// </summary>
    public static IServiceCollection AddSendPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddStudioMail(configuration);

        // Read when first resolved: test hosts add configuration after registration.
        services.AddSingleton(_ => configuration.GetSection(SendWorkerOptions.Section).Get<SendWorkerOptions>() ?? new SendWorkerOptions());
        services.TryAddSingleton<ProductModels>();
        services.TryAddSingleton(sp => sp.GetRequiredService<ProductModels>().Catalogue);
        services.TryAddSingleton<RecommendationLists>();
        services.TryAddSingleton<SendTimePopulation>();
        services.TryAddSingleton<BestSendTimes>();
        services.TryAddSingleton<Tracking.ClickKeyStore>();
        services.AddSingleton<CampaignLauncher>();
        services.AddSingleton<CampaignSender>();
        services.AddHostedService<CampaignSendWorker>();
        services.AddSingleton<AdaptiveRounds>();
        services.AddHostedService<AdaptiveRoundWorker>();
        services.AddSingleton<WinnerRollouts>();
        services.AddSingleton<WinnerRolloutWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<WinnerRolloutWorker>());
        services.AddSingleton(_ => configuration.GetSection(Webhooks.WebhookDeliveryOptions.Section).Get<Webhooks.WebhookDeliveryOptions>() ?? new Webhooks.WebhookDeliveryOptions());
        services.TryAddSingleton<Webhooks.WebhookEndpoints>();
        services.AddSingleton<Webhooks.WebhookDeliverer>();
        services.AddHostedService<Webhooks.WebhookDeliveryWorker>();
        services.AddSingleton(_ => configuration.GetSection(Bounces.BounceWorkerOptions.Section).Get<Bounces.BounceWorkerOptions>() ?? new Bounces.BounceWorkerOptions());
        services.TryAddSingleton<Bounces.BounceMailboxStore>();
        services.TryAddSingleton<Bounces.ProviderWebhookStore>();
        services.AddSingleton<Bounces.ProviderEventRecorder>();
        services.AddSingleton<Bounces.BounceMailboxReader>();
        services.AddSingleton<Bounces.BounceMailboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<Bounces.BounceMailboxWorker>());
        return services;
    }

    /// <summary>
    /// Mail and keys as every studio host sets them up: the transport chosen once by <c>Mail:Transport</c>, DKIM-signing what it
    /// sends once a key is set (without
    /// <c>Mail:Transport = Smtp</c> mail goes to .eml files in <c>outbox</c> under the data folder, so the demo works without
    /// a mail server) and the Data Protection keys in the database, so links signed by one host open on every other.
    /// </summary>
    public static IServiceCollection AddStudioMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDataProtection().SetApplicationName(KeyRingName).PersistKeysToDbContext<AppDbContext>();

        // Every message the transport sends is DKIM-signed once a key is set in Settings (decision 045).
        services.TryAddSingleton<StoredDkimSigner>();
        services.TryAddSingleton<IDkimSignerSource>(sp => sp.GetRequiredService<StoredDkimSigner>());
        services.AddMessaging(configuration, sp => sp.GetRequiredService<DatabaseOptions>().DataFolder);
        return services;
    }

    /// <summary>
    /// A host that runs only the send worker: the same configuration as the web app (database, Mail, Campaigns:Worker);
    /// several may run against one database (leases keep them apart). Used by the worker host and by the web binary's
    /// <c>--worker-only</c>.
    /// </summary>
    public static HostApplicationBuilder AddSendWorkerHost(this HostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddStudioData(builder.Environment.ContentRootPath);
        builder.Services.AddSendPipeline(builder.Configuration);
        return builder;
    }

    /// <summary>Migrates the database (the worker may start before the web app) and sends until stopped.</summary>
    public static async Task RunSendWorkerAsync(this IHost host, CancellationToken ct = default)
    {
        await DatabaseMigrator.MigrateAsync(host.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), ct);
        await host.RunAsync(ct);
    }
}
