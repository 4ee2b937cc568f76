using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Sending;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CampaignStudio.TestSupport.Web;

/// <summary>Runs the send worker's steps by hand, so a test decides when sending happens instead of waiting for the timer.</summary>
public static class SendPasses
{
    /// <summary>Launches what is due and runs send passes until the campaign is no longer sending (at most 100 passes).</summary>
    public static async Task DrainAsync(IServiceProvider services, int campaignId)
    {
        await services.GetServices<IHostedService>().OfType<CampaignSendWorker>().Single().StartDueCampaignsAsync(CancellationToken.None);
        var sender = services.GetRequiredService<CampaignSender>();
        var db = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        for (var pass = 0; pass < 100; pass++)
        {
            await using (var context = await db.CreateDbContextAsync())
            {
                if ((await context.Campaigns.SingleAsync(c => c.Id == campaignId)).Status != CampaignStatus.Sending)
                {
                    return;
                }
            }

            await sender.RunOnceAsync(CancellationToken.None);
        }

        throw new TimeoutException($"Campaign {campaignId} did not finish in 100 passes.");
    }
}
