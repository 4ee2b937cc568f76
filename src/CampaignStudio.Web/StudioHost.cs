using CampaignStudio.Data;
using CampaignStudio.Messaging;
using CampaignStudio.Web.Api;
using CampaignStudio.Web.Components;
using CampaignStudio.Web.Features.Assets;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Features.Products;
using CampaignStudio.Web.Features.Events;
using CampaignStudio.Web.Features.Dashboard;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Consent;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Flows;
using CampaignStudio.Web.Features.Predictive;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Features.Segments;
using CampaignStudio.Web.Features.SenderHealth;
using CampaignStudio.Web.Features.Settings;
using CampaignStudio.Web.Features.Webhooks;
using CampaignStudio.Web.Infrastructure;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;
using NetEscapades.AspNetCore.SecurityHeaders;
using Scalar.AspNetCore;

namespace CampaignStudio.Web;

/// <summary>Wires the studio together, so <c>Program.cs</c> stays three lines.</summary>
public static class StudioHost
{
    public static WebApplicationBuilder AddStudio(this WebApplicationBuilder builder)
    {
        AddRootDevelopmentSettings(builder);
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddStudioData(builder.Environment.ContentRootPath);
        services.AddStudioIdentity(builder.Configuration);
        services.AddStudioSecurityHeaders();

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddHttpContextAccessor();
        services.AddStudioForwardedHeaders(builder.Configuration);
        services.AddOpenApi(options => StudioOpenApi.Configure(options));
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

        services.AddDashboardFeature();
        services.AddCustomersFeature();
        services.AddProductsFeature();
        services.AddEventsFeature(builder.Configuration);
        services.AddSegmentsFeature();
        services.AddExperimentsFeature();
        services.AddCampaignsFeature(builder.Configuration);
        services.AddFlowsFeature();
        services.AddConsentFeature();
        services.AddWebhooksFeature(builder.Configuration);
        services.AddSettingsFeature();
        services.AddAssetsFeature(builder.Configuration);
        services.AddPredictiveFeature();
        services.AddPrivacyFeature();
        services.AddSenderHealthFeature();
        return builder;
    }

    /// <summary>Migrates the database, creates roles and the first admin, and seeds the demo shop when configured.</summary>
    public static async Task PrepareStudioAsync(this WebApplication app)
    {
        await StudioStartup.RunAsync(app.Services, app.Environment, app.Configuration, app.Lifetime.ApplicationStopping);
    }

    public static WebApplication UseStudio(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        // Friendly pages for people; the API keeps its plain status codes and problem details.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/api"),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        var assets = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (Directory.Exists(assets))
        {
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets), RequestPath = "/assets" });
        }

        app.UseNoSelfRegistration();
        app.UseMiddleware<FirstRunSetupMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", (o, http) => o.WithTitle("CampaignStudio API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .WithNonce(http.GetNonce())).AllowAnonymous().WithSecurityHeadersPolicy(SecurityHeadersSetup.ApiReferencePolicy);
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapStudioApi();
        app.MapConsent();
        app.MapProviderWebhooks();
        app.MapPredictiveApi();
        app.MapCampaignTracking();
        app.MapAssetImages();
        app.MapAccountEndpoints();
        // The studio's own policy says frame-ancestors 'none' on every page; Blazor's second header would only repeat a weaker one.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }

    /// <summary>
    /// The development settings live at the repository root (one place for a newcomer to look); they are copied
    /// beside the binaries and read with the same precedence as a normal appsettings.Development.json.
    /// </summary>
    private static void AddRootDevelopmentSettings(WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment())
        {
            return;
        }

        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.Development.json");
        if (!File.Exists(path))
        {
            return;
        }

        var sources = builder.Configuration.Sources;
        // Right after appsettings.json: above the defaults, below user secrets, environment variables and the command line.
        var index = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: "appsettings.json" }) + 1;
        var source = new JsonConfigurationSource
        {
            Path = Path.GetFileName(path),
            Optional = true,
            ReloadOnChange = false,
            FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(path)!),
        };
        sources.Insert(index, source);
    }
}
