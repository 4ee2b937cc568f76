using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Bounces.Providers;
using CampaignStudio.Sending.Bounces;
using CampaignStudio.Web.Features.Webhooks;
using CampaignStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>The URLs to paste into each provider's webhook settings.</summary>
public sealed record ProviderWebhookUrls(string AmazonSes, string Postmark, string SendGrid, string Mailgun);

/// <summary>The provider webhooks as the settings page and the API show them: which are on, never a secret.</summary>
public sealed record ProviderWebhooksView(IReadOnlyList<string> SesTopicArns, string PostmarkUser, bool HasPostmarkPassword, bool HasSendGridKey,
    bool HasMailgunKey, ProviderWebhookUrls Urls);

/// <summary>The provider webhook settings; Admin only (they hold secrets), checked here and not only by the hidden tab.</summary>
public sealed class ProviderWebhooksService(ProviderWebhookStore store, SenderIdentityStore senders, CurrentUser user)
{
    public async Task<ProviderWebhooksView> GetAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanAdminister);
        var s = await store.GetAsync(ct);
        var root = (await senders.GetAsync(ct)).PublicBaseUrl.TrimEnd('/');
        return new ProviderWebhooksView(s.SesTopicArns, s.PostmarkUser, s.HasPostmarkPassword, s.HasSendGridKey, s.HasMailgunKey,
            new ProviderWebhookUrls(root + ProviderWebhookEndpoints.AmazonSes, Postmark(root, s.PostmarkUser), root + ProviderWebhookEndpoints.SendGrid,
                root + ProviderWebhookEndpoints.Mailgun));
    }

    /// <summary>Saves; returns what is wrong, empty when saved.</summary>
    public async Task<IReadOnlyList<string>> SaveAsync(ProviderWebhookChange change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await user.RequireAsync(Policies.CanAdminister);
        var problems = new List<string>();
        foreach (var topic in change.SesTopicArns ?? [])
        {
            if (!topic.Trim().StartsWith("arn:aws:sns:", StringComparison.Ordinal) && topic.Trim().Length > 0)
            {
                problems.Add($"\"{topic}\" is not an SNS topic ARN (arn:aws:sns:region:account:name).");
            }
        }

        if (change.SendGridPublicKey is { Length: > 0 } key && !SendGrid.IsPublicKey(key))
        {
            problems.Add("The SendGrid verification key is not a public key (paste it as SendGrid shows it, base64).");
        }

        if (change.PostmarkUser?.Contains(':', StringComparison.Ordinal) == true)
        {
            problems.Add("The Postmark user name may not contain ':' (basic authentication splits there).");
        }

        if (change.PostmarkPassword is { Length: > 0 and < 16 })
        {
            problems.Add("Use a Postmark webhook password of at least 16 characters: it is the only thing proving a request comes from Postmark.");
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        await store.SaveAsync(change, ct);
        return [];
    }

    /// <summary>Postmark takes the credentials in the URL (https://user:password@host/…); the password is left for the admin to fill in.</summary>
    private static string Postmark(string root, string user) =>
        user.Length > 0 && Uri.TryCreate(root, UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{Uri.EscapeDataString(user)}:PASSWORD@{uri.Authority}{uri.AbsolutePath.TrimEnd('/')}{ProviderWebhookEndpoints.Postmark}"
            : root + ProviderWebhookEndpoints.Postmark;
}

/// <summary>The provider webhook settings over HTTP: the same service and Admin check as the Settings tab.</summary>
public static class ProviderWebhooksApi
{
    public static RouteGroupBuilder MapProviderWebhooksApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings").RequireAuthorization(Policies.CanAdminister);
        settings.MapGet("/provider-webhooks", GetAsync)
            .WithSummary("The bounce and complaint webhooks of Amazon SES (SNS), Postmark, SendGrid and Mailgun: which are set up, the allowed SNS topics, " +
                "the Postmark user name and the URLs to paste into each provider. Never a secret. Admin only.");
        settings.MapPut("/provider-webhooks", SaveAsync)
            .WithSummary("Sets the provider webhooks: {\"sesTopicArns\":[\"arn:aws:sns:…\"],\"postmarkUser\":\"…\",\"postmarkPassword\":\"…\",\"sendGridPublicKey\":\"…\"," +
                "\"mailgunSigningKey\":\"…\"}. A missing field keeps what is stored, an empty one clears it. Secrets are stored encrypted and never returned. " +
                "400 with the reasons when a value is unusable. Admin only.");
        return api;
    }

    public static async Task<Ok<ProviderWebhooksView>> GetAsync(ProviderWebhooksService service, CancellationToken ct) => TypedResults.Ok(await service.GetAsync(ct));

    public static async Task<Results<Ok<ProviderWebhooksView>, ProblemHttpResult>> SaveAsync(ProviderWebhooksRequest body, ProviderWebhooksService service, CancellationToken ct)
    {
        var problems = await service.SaveAsync(new ProviderWebhookChange(body.SesTopicArns, body.PostmarkUser, body.PostmarkPassword, body.SendGridPublicKey, body.MailgunSigningKey), ct);
        return problems.Count == 0
            ? TypedResults.Ok(await service.GetAsync(ct))
            : TypedResults.Problem(detail: string.Join(" ", problems), statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["problems"] = problems });
    }
}

public sealed record ProviderWebhooksRequest(IReadOnlyList<string>? SesTopicArns, string? PostmarkUser, string? PostmarkPassword, string? SendGridPublicKey, string? MailgunSigningKey);
