using CampaignStudio.Sending;

// The send worker alone: `dotnet run --project src/CampaignStudio.Worker`, the same as `CampaignStudio.Web --worker-only`.
var builder = Host.CreateApplicationBuilder(args);
using var host = builder.AddSendWorkerHost().Build();
await host.RunSendWorkerAsync();
