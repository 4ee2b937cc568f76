using System.Net;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;

namespace CampaignStudio.Web.Features.Consent;

/// <summary>
/// Starts a double opt-in: checks that the person may be asked (<see cref="ConfirmationRequests"/>), mails a signed,
/// expiring confirmation link, and records "pending" with the wording the person signed up under only once the e-mail has
/// left — a mail that could not be sent leaves no trace in the consent log. Nothing is mailed while the sender identity or
/// postal address is missing. Role checks belong to the caller.
/// </summary>
public sealed class DoubleOptInMailer(ConsentLedger ledger, ConfirmationRequests confirmations, SenderIdentityStore senders,
    SignedTokenService tokens, MessageBuilder builder, IMailTransport transport, ILogger<DoubleOptInMailer> log)
{
    public async Task<DoubleOptInResult> SendAsync(long customerId, string wordingVersion, ConsentSource source, string actor, string? ipAddress,
        CancellationToken ct = default, int? campaignId = null, string purpose = ConsentPurposes.Marketing)
    {
        var sender = await senders.GetAsync(ct);
        if (!sender.IsReadyToSend)
        {
            return DoubleOptInResult.Failed("Sending is blocked until the sender address and postal address are set in Settings.");
        }

        if (string.IsNullOrWhiteSpace(wordingVersion))
        {
            return DoubleOptInResult.Failed("A sign-up needs the version of the wording the person agreed to.");
        }

        var decision = await confirmations.DecideAsync(customerId, source, purpose, ct);
        if (decision.Permit is not { } permit)
        {
            return DoubleOptInResult.Refused(decision.Refusal, StaffReason(decision.Refusal));
        }

        var links = tokens.LinksFor(permit, sender.PublicBaseUrl);
        var content = Content(sender, links.ConfirmUrl, links.UnsubscribeUrl);
        var message = builder.Build(content, new MessageEnvelope(new Messaging.Mime.SenderIdentity(sender.FromName, sender.FromAddress, null, sender.ReplyTo),
            permit.Email, permit.Name, 0, 0, links.UnsubscribeUrl));
        var result = await transport.SendAsync(message, ct);
        if (!result.IsSent)
        {
            return DoubleOptInResult.Failed($"The confirmation e-mail could not be sent: {result}");
        }

        var outcome = await ledger.RecordAsync(new ConsentChange(customerId, ConsentStatus.Pending, source, actor, wordingVersion, ipAddress, campaignId,
            Note: "Confirmation e-mail sent", Purpose: purpose), ct);
        if (!outcome.Recorded)
        {
            // The person changed in between (erased, suppressed). The link they got confirms nothing: it needs a pending sign-up.
            log.LogWarning("Confirmation e-mail to customer {CustomerId} left, but the sign-up was not recorded: {Refusal}", customerId, outcome.Refusal);
            return DoubleOptInResult.Failed(outcome.Refusal ?? "The sign-up could not be recorded.");
        }

        return new DoubleOptInResult(true, null, links.ConfirmUrl);
    }

    /// <summary>Why staff (or the API) cannot start a confirmation, in their words.</summary>
    internal static string StaffReason(ConfirmationRefusal refusal) => refusal switch
    {
        ConfirmationRefusal.NoAddress => "This customer has no e-mail address.",
        ConfirmationRefusal.AlreadyOptedIn => "This customer is opted in already.",
        ConfirmationRefusal.SaidNo => "This person said no or the address is suppressed: only their own new sign-up can ask again.",
        ConfirmationRefusal.NeverAgreed => "This person never agreed to these e-mails: only their own sign-up can start a confirmation.",
        ConfirmationRefusal.AddressSuppressed => "This address is suppressed (erased on request, bounced or reported as spam).",
        ConfirmationRefusal.AskedTooOften => $"This customer got {ConsentRules.ConfirmationsPerDay} confirmation e-mails in the last 24 hours: try again tomorrow.",
        _ => "The confirmation e-mail was not sent.",
    };

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
/// <param name="Refusal">Why the consent rules did not allow the e-mail, when that was the reason it was not sent.</param>
public sealed record DoubleOptInResult(bool Sent, string? Error, string? ConfirmUrl = null, ConfirmationRefusal Refusal = ConfirmationRefusal.None)
{
    public static DoubleOptInResult Failed(string error) => new(false, error);

    public static DoubleOptInResult Refused(ConfirmationRefusal refusal, string error) => new(false, error, null, refusal);
}
