using CampaignStudio.Data;
using CampaignStudio.Messaging;
using Microsoft.AspNetCore.DataProtection;

namespace CampaignStudio.Web.Features.Campaigns.Sending;

/// <summary>
/// Runs only the send worker, without the web server: <c>CampaignStudio.Web --worker-only</c>. Same configuration as the
/// web app (database, Mail, Campaigns:Worker); several may run against one database (leases keep them apart).
/// </summary>
public static class SendWorkerHost
{
    public const string Switch = "--worker-only";

    public static bool IsRequested(string[] args) => args.Contains(Switch, StringComparer.Ordinal);

    public static async Task RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args.Where(a => a != Switch).ToArray());
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddStudioData(builder.Environment.ContentRootPath);

        // The same key ring as the web app, so the links this process signs open there.
        services.AddDataProtection().SetApplicationName("CampaignStudio").PersistKeysToDbContext<AppDbContext>();
        services.AddMessaging(builder.Configuration);
        services.AddCampaignSending(builder.Configuration);
        using var host = builder.Build();
        await DatabaseMigrator.MigrateAsync(host.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>());
        await host.RunAsync();
    }
}
