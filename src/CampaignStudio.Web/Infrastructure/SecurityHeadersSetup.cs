namespace CampaignStudio.Web.Infrastructure;

/// <summary>
/// The headers every response carries (NetEscapades.AspNetCore.SecurityHeaders sets them as the response starts, so error
/// pages get them too). Why each source is allowed is written in docs/decisions/036-templates-and-hardening.md.
/// </summary>
public static class SecurityHeadersSetup
{
    /// <summary>The API reference page (Scalar) evaluates code (its request builder): that page alone may.</summary>
    public const string ApiReferencePolicy = "api-reference";

    public static IServiceCollection AddStudioSecurityHeaders(this IServiceCollection services) =>
        services.AddSecurityHeaderPolicies(policies => policies
            .SetDefaultPolicy(headers => Studio(headers, allowEval: false))
            .AddPolicy(ApiReferencePolicy, headers => Studio(headers, allowEval: true)));

    private static HeaderPolicyCollection Studio(HeaderPolicyCollection headers, bool allowEval) => headers
        .AddContentTypeOptionsNoSniff()

        // Unsubscribe and preference links carry a credential in their path: never hand it to another site.
        .AddReferrerPolicyNoReferrer()
        .AddFrameOptionsDeny()
        .AddContentSecurityPolicy(csp =>
        {
            csp.AddDefaultSrc().Self();

            // Only the studio's own script files, and the one inline script Blazor needs (its import map) by this
            // response's nonce: a script that customer or marketer data smuggled into a page does not run.
            var scripts = csp.AddScriptSrc().Self().WithNonce();
            if (allowEval)
            {
                scripts.UnsafeEval();
            }

            // MudBlazor and Plotly set style attributes, and a mail preview (a sandboxed srcdoc frame, which inherits this
            // policy) brings its own <style> and may link a web font: styles cannot run code.
            csp.AddStyleSrc().Self().UnsafeInline().OverHttps();
            csp.AddFontSrc().Self().Data().OverHttps();

            // Images in a mail preview come from the shop's servers.
            csp.AddImgSrc().Self().Data().OverHttps().From("http:");

            // Blazor's circuit: a WebSocket to the same host ('self' covers ws: and wss: there).
            csp.AddConnectSrc().Self();
            csp.AddFrameSrc().Self();
            csp.AddObjectSrc().None();
            csp.AddBaseUri().Self();
            csp.AddFormAction().Self();
            csp.AddFrameAncestors().None();
        });
}
