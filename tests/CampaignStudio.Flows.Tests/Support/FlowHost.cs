using CampaignStudio.Sending;
using CampaignStudio.TestSupport;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Flows.Tests.Support;

/// <summary>
/// The flow engine and the send pipeline as the worker host registers them (<see cref="PipelineHost"/> plus AddFlowEngine),
/// without the background loops: each test drives the engine and send passes itself.
/// </summary>
public sealed class FlowHost() : PipelineHost("cs-flows-")
{
    public FlowEngine Engine => Services.GetRequiredService<FlowEngine>();

    public CampaignSender Sender => Services.GetRequiredService<CampaignSender>();

    public FlowTestBuilder Build => new(Db, Clock);

    /// <summary>Starts the clock at <paramref name="start"/> instead of the default Monday in June (call before <see cref="PipelineHost.InitializeAsync"/>).</summary>
    public FlowHost StartingAt(DateTimeOffset start)
    {
        Clock = new StudioClock(start);
        return this;
    }

    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Flows:Engine:Enabled"] = "false";

    // Training too, so the offer tests can train a real policy whose predicted gains the engine reads.
    protected override void AddServices(IServiceCollection services, IConfiguration configuration) => services.AddFlowEngine(configuration).AddTraining();

    /// <summary>Engine passes until one finds nothing to do.</summary>
    public async Task<int> RunEngineAsync()
    {
        var total = 0;
        for (var i = 0; i < 1_000; i++)
        {
            var work = await Engine.RunOnceAsync(CancellationToken.None);
            if (work == 0)
            {
                return total;
            }

            total += work;
        }

        throw new InvalidOperationException("The engine kept finding work after 1,000 passes.");
    }

    /// <summary>Send passes until nothing is left to send.</summary>
    public async Task SendAllAsync()
    {
        for (var i = 0; i < 1_000 && await Sender.RunOnceAsync(CancellationToken.None); i++)
        {
        }
    }
}
