using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// Behind a load balancer or reverse proxy the studio sees the proxy's address and plain HTTP. Trusting
/// <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> from the proxies listed in configuration gives it the client's address
/// (lockouts, audit) and the https scheme (secure cookies, redirects, links in e-mails). Headers from anyone else are ignored.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "ForwardedHeaders";

    public static IServiceCollection AddStudioForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.ForwardLimit = configuration.GetValue<int?>($"{Section}:ForwardLimit") ?? 1;
            foreach (var proxy in configuration.GetSection($"{Section}:KnownProxies").Get<string[]>() ?? [])
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in configuration.GetSection($"{Section}:KnownNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }
}
