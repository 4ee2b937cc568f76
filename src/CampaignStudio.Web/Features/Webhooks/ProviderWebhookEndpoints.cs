namespace CampaignStudio.Web.Features.Webhooks;

/// <summary>
/// The inbound webhooks of the sending providers: no sign-in (the providers cannot), each request proven by that
/// provider's signature or credentials in <see cref="ProviderWebhookReceiver"/>. Outside /api: they are not the studio's API.
/// </summary>
public static class ProviderWebhookEndpoints
{
    public const string AmazonSes = "/webhooks/amazon-ses";
    public const string Postmark = "/webhooks/postmark";
    public const string SendGrid = "/webhooks/sendgrid";
    public const string Mailgun = "/webhooks/mailgun";

    /// <summary>Bounce and complaint payloads are small; a bigger body is not a provider's.</summary>
    private const int MaxBody = 1024 * 1024;

    public static IEndpointRouteBuilder MapProviderWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/webhooks").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        hooks.MapPost("/amazon-ses", async (HttpContext http, ProviderWebhookReceiver receiver, CancellationToken ct) =>
            Answer(await receiver.AmazonSesAsync(System.Text.Encoding.UTF8.GetString(await BodyAsync(http, ct)), ct)));
        hooks.MapPost("/postmark", async (HttpContext http, ProviderWebhookReceiver receiver, CancellationToken ct) =>
            Answer(await receiver.PostmarkAsync(http.Request.Headers.Authorization.FirstOrDefault(), System.Text.Encoding.UTF8.GetString(await BodyAsync(http, ct)), ct)));
        hooks.MapPost("/sendgrid", async (HttpContext http, ProviderWebhookReceiver receiver, CancellationToken ct) =>
            Answer(await receiver.SendGridAsync(http.Request.Headers[Messaging.Bounces.Providers.SendGrid.SignatureHeader].FirstOrDefault(),
                http.Request.Headers[Messaging.Bounces.Providers.SendGrid.TimestampHeader].FirstOrDefault(), await BodyAsync(http, ct), ct)));
        hooks.MapPost("/mailgun", async (HttpContext http, ProviderWebhookReceiver receiver, CancellationToken ct) =>
            Answer(await receiver.MailgunAsync(System.Text.Encoding.UTF8.GetString(await BodyAsync(http, ct)), ct)));
        return app;
    }

    /// <summary>The raw body: SendGrid signs its exact bytes.</summary>
    private static async Task<byte[]> BodyAsync(HttpContext http, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                throw new BadHttpRequestException("The webhook body is too large.", StatusCodes.Status413PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Answer(WebhookAnswer answer) => Results.Text(answer.Reason, "text/plain; charset=utf-8", statusCode: answer.Status);
}
