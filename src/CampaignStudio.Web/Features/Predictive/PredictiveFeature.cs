using System.Text;
using CampaignStudio.Web.Api;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Features.Predictive;

public static class PredictiveFeature
{
    public static IServiceCollection AddPredictiveFeature(this IServiceCollection services)
    {
        services.TryAddSingleton<PredictiveStore>();
        services.AddSingleton<PredictiveQueue>();
        services.AddSingleton<LifetimeJob>();
        // The product model, recommendation lists and best send times are the send pipeline's (AddSendPipeline); the jobs and pages are here.
        services.AddSingleton<RecommendationJob>();
        services.AddScoped<LifetimeService>();
        services.AddScoped<RecommendationService>();
        services.AddScoped<SendTimeService>();
        services.AddHostedService<PredictiveWorker>();
        return services;
    }

    /// <summary>The aggregate report download (small cells suppressed, optional Laplace noise).</summary>
    public static IEndpointRouteBuilder MapPredictiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/predictive/value-report.csv", async (LifetimeService service, CancellationToken ct) =>
                Results.File(Encoding.UTF8.GetBytes(await service.ExportReportCsvAsync(ct: ct)), "text/csv", "predicted-value-report.csv"))
            .RequireAuthorization(Domain.Identity.Policies.CanRead)
            .WithTags("Predictive").ProducesCsv()
            .WithSummary("Customers per predicted-value band and churn-risk band; groups below k shown as \"< k\", optionally with Laplace noise.");
        return app;
    }
}
