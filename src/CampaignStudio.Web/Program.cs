using CampaignStudio.Web;
using CampaignStudio.Web.Features.Campaigns.Sending;

if (SendWorkerHost.IsRequested(args))
{
    await SendWorkerHost.RunAsync(args);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddStudio();

var app = builder.Build();
await app.PrepareStudioAsync();
app.UseStudio();
app.Run();

/// <summary>Entry point, public for <c>WebApplicationFactory</c> tests.</summary>
public partial class Program;
