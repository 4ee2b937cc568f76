using CampaignStudio.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddStudio();

var app = builder.Build();
await app.PrepareStudioAsync();
app.UseStudio();
app.Run();

/// <summary>Entry point, public for <c>WebApplicationFactory</c> tests.</summary>
public partial class Program;
