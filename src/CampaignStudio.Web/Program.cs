using CampaignStudio.Web;
using CampaignStudio.Web.Infrastructure;

if (MoveToPostgresCommand.Matches(args))
{
    return await MoveToPostgresCommand.RunAsync(args);
}

if (WorkerOnlyMode.IsRequested(args))
{
    await WorkerOnlyMode.RunAsync(args);
    return 0;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddStudio();

var app = builder.Build();
await app.PrepareStudioAsync();
app.UseStudio();
app.Run();
return 0;

/// <summary>Entry point, public for <c>WebApplicationFactory</c> tests.</summary>
public partial class Program;
