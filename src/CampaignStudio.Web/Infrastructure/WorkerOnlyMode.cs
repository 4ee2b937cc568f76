using CampaignStudio.Sending;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// Runs only the send worker, without the web server: <c>CampaignStudio.Web --worker-only</c>. The same host as
/// <c>CampaignStudio.Worker</c> (see <see cref="CampaignStudio.Sending.DependencyInjection.AddSendWorkerHost"/>), kept so one
/// published binary can serve both roles.
/// </summary>
public static class WorkerOnlyMode
{
    public const string Switch = "--worker-only";

    public static bool IsRequested(string[] args) => args.Contains(Switch, StringComparer.Ordinal);

    public static async Task RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args.Where(a => a != Switch).ToArray());
        builder.AddSendWorkerHost();
        CampaignStudio.Flows.DependencyInjection.AddFlowEngine(builder.Services, builder.Configuration);
        using var host = builder.Build();
        await host.RunSendWorkerAsync();
    }
}
