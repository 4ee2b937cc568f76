using System.Globalization;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Imports;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features.Predictive;

/// <summary>
/// The full CDNOW log (69,659 lines, 23,570 customers; read from the shared data folder, never copied) imported through
/// the studio's own CSV importer, then fitted by the lifetime job. The holdout check must match scipy's on the same split
/// (reference/lifetime_reference.py section 6 in the Analytics tests: calibration to 1997-10-01, 272 holdout days).
/// </summary>
public sealed class CdnowImportTests : IClassFixture<StudioAppFactory>
{
    private const string MasterPath = "/work/shared/data/cdnow_master.txt";
    private readonly StudioAppFactory _app;

    public CdnowImportTests(StudioAppFactory app) => _app = app;

    [Fact]
    public async Task ImportedCdnowLogGivesScipysHoldoutCheck()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var csv = new StringBuilder("customer_external_id,order_id,amount,purchased_at\n");
        var line = 0;
        foreach (var row in File.ReadLines(MasterPath).Skip(1).Where(l => l.Trim().Length > 0))
        {
            var f = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            csv.Append(CultureInfo.InvariantCulture, $"cdnow-{f[0]},L{++line},{f[3]},{f[1][..4]}-{f[1][4..6]}-{f[1][6..]}\n");
        }

        var columns = new[] { "customer_external_id", "order_id", "amount", "purchased_at" };
        await scope.ServiceProvider.GetRequiredService<CsvImporter>().ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())),
            ImportKind.Purchases, ImportFields.Suggest(ImportKind.Purchases, columns));
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.Purchases.CountAsync()).ShouldBe(69_659);
        }

        var job = scope.ServiceProvider.GetRequiredService<LifetimeJob>();
        await job.RunAsync(CancellationToken.None);
        job.LastError.ShouldBeNull();
        var fit = await scope.ServiceProvider.GetRequiredService<PredictiveStore>().ReadAsync<LifetimeFitSummary>(PredictiveStore.LifetimeKey);

        fit.ShouldNotBeNull();
        fit.Customers.ShouldBe(23_570);
        fit.HoldoutDays.ShouldBe(272);
        fit.Check.Select(b => b.Customers).ShouldBe([14105, 4441, 2066, 1091, 605, 348, 914]);
        fit.Check.Select(b => b.Actual).ShouldBe([0.2487770294221907, 0.7786534564287323, 1.3949661181026138, 1.837763519706691, 2.419834710743802, 2.9166666666666665, 5.766958424507659], 1e-9);
        fit.Check.Select(b => b.Predicted).ShouldBe([0.22974116332823213, 0.5183896182324914, 1.0320430207979172, 1.570854570126003, 2.24737930957707, 2.865052929435213, 5.550133554682445], 2e-3);
    }
}
