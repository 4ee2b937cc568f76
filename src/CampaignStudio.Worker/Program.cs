using CampaignStudio.Flows;
using CampaignStudio.Sending;

// The send worker alone: `dotnet run --project src/CampaignStudio.Worker`, the same as `CampaignStudio.Web --worker-only`.
var builder = Host.CreateApplicationBuilder(args);
builder.AddSendWorkerHost();
builder.Services.AddFlowEngine(builder.Configuration);
using var host = builder.Build();
await host.RunSendWorkerAsync();
