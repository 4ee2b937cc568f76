using System.Net;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Web.Features.Consent.Public;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>
/// Starts a double opt-in: records "pending" with the wording the person signed up under, then mails a signed,
/// expiring confirmation link. Nothing is mailed while the sender identity or postal address is missing.
/// Role checks belong to the caller.
/// </summary>
public sealed class DoubleOptInMailer(IDbContextFactory<AppDbContext> dbFactory, ConsentLedger ledger, SenderIdentityStore senders,
    SignedTokenService tokens, MessageBuilder builder, IMailTransport transport)
{
    public async Task<DoubleOptInResult> SendAsync(long customerId, string wordingVersion, ConsentSource source, string actor, string? ipAddress,
        CancellationToken ct = default)
    {
        var sender = await senders.GetAsync(ct);
        if (!sender.IsReadyToSend)
        {
            return DoubleOptInResult.Failed("Sending is blocked until the sender address and postal address are set in Settings.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == customerId && !c.IsErased)
            .Select(c => new { c.Email, c.FirstName, c.LastName, c.EmailConsent }).FirstOrDefaultAsync(ct);
        if (customer?.Email is null)
        {
            return DoubleOptInResult.Failed("This customer has no e-mail address.");
        }

        if (customer.EmailConsent == ConsentStatus.OptedIn)
        {
            return DoubleOptInResult.Failed("This customer is opted in already.");
        }

        // Staff may ask people who never answered; after an opt-out or a suppression only the person's own new sign-up
        // (form or API) may start another confirmation.
        if (source == ConsentSource.Admin && customer.EmailConsent is not (ConsentStatus.Unknown or ConsentStatus.Pending))
        {
            return DoubleOptInResult.Failed("This person said no or the address is suppressed: only their own new sign-up can ask again.");
        }

        var outcome = await ledger.RecordAsync(new ConsentChange(customerId, ConsentStatus.Pending, source, actor, wordingVersion, ipAddress,
            Note: "Confirmation e-mail sent"), ct);
        if (!outcome.Recorded)
        {
            return DoubleOptInResult.Failed(outcome.Refusal ?? "The sign-up could not be recorded.");
        }

        var confirmUrl = DoubleOptInLinks.For(sender.PublicBaseUrl, tokens.CreateDoubleOptInToken(customerId));
        var unsubscribeUrl = UnsubscribeLinks.For(sender.PublicBaseUrl, tokens.CreateUnsubscribeToken(customerId, 0));
        var name = string.Join(' ', new[] { customer.FirstName, customer.LastName }.Where(s => !string.IsNullOrWhiteSpace(s)));
        var content = Content(sender, confirmUrl, unsubscribeUrl);
        var message = builder.Build(content, new MessageEnvelope(new Messaging.Mime.SenderIdentity(sender.FromName, sender.FromAddress, null, sender.ReplyTo),
            customer.Email, name.Length > 0 ? name : null, 0, 0, unsubscribeUrl));
        var result = await transport.SendAsync(message, ct);
        return result.IsSent ? new DoubleOptInResult(true, null, confirmUrl) : DoubleOptInResult.Failed($"The confirmation e-mail could not be sent: {result}");
    }

    /// <summary>A plain, fixed message: it asks one thing and carries the postal address like every studio e-mail.</summary>
    internal static RenderedMessage Content(Data.Settings.SenderIdentity sender, string confirmUrl, string unsubscribeUrl)
    {
        var from = string.IsNullOrWhiteSpace(sender.FromName) ? sender.FromAddress : sender.FromName;
        var subject = $"Please confirm your subscription to {from}";
        var html = $"""
            <!DOCTYPE html><html><body style="font-family:Arial,sans-serif;color:#1f2a44;">
            <p>Please confirm that you want news and offers from {WebUtility.HtmlEncode(from)} by e-mail.</p>
            <p><a href="{WebUtility.HtmlEncode(confirmUrl)}" style="display:inline-block;padding:10px 18px;background:#3b5bdb;color:#ffffff;text-decoration:none;border-radius:6px;">Confirm my subscription</a></p>
            <p>If you did not sign up, ignore this e-mail: without your confirmation you will get nothing from us.</p>
            <p style="font-size:12px;color:#666666;">{WebUtility.HtmlEncode(sender.PostalAddress)}<br><a href="{WebUtility.HtmlEncode(unsubscribeUrl)}" style="color:#666666;">Do not e-mail me</a></p>
            </body></html>
            """;
        var text = $"""
            Please confirm that you want news and offers from {from} by e-mail:
            {confirmUrl}

            If you did not sign up, ignore this e-mail: without your confirmation you will get nothing from us.

            {sender.PostalAddress}
            Do not e-mail me: {unsubscribeUrl}
            """;
        return new RenderedMessage(subject, null, html, text);
    }
}

/// <param name="ConfirmUrl">The link that was mailed (shown to staff only in tests and logs, never to other customers).</param>
public sealed record DoubleOptInResult(bool Sent, string? Error, string? ConfirmUrl = null)
{
    public static DoubleOptInResult Failed(string error) => new(false, error);
}
