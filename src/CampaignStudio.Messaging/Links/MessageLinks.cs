namespace CampaignStudio.Messaging.Links;

/// <summary>
/// The links one e-mail carries back to the studio: unsubscribe / preference centre, the open pixel and tracked clicks.
/// Made two ways only: live by <see cref="SignedTokenService.LinksFor(Domain.Campaigns.MessageDelivery, string, ClickTokens)"/> for a
/// message the send pipeline leased, or <see cref="Preview"/> for previews, test sends and reviews — the same shape, but a
/// token every public endpoint refuses, no open pixel and untracked clicks.
/// </summary>
public sealed class MessageLinks
{
    private readonly Func<string, string>? _click;

    internal MessageLinks(string unsubscribeUrl, string? openPixelUrl, Func<string, string>? click)
    {
        UnsubscribeUrl = unsubscribeUrl;
        OpenPixelUrl = openPixelUrl;
        _click = click;
    }

    /// <summary>Inert links for a mail that is shown or test-sent, not sent to the customer it is rendered for.</summary>
    public static MessageLinks Preview(string publicBaseUrl) => new(UnsubscribeLinks.For(publicBaseUrl, UnsubscribeLinks.PreviewToken), null, null);

    /// <summary>The one-click unsubscribe link (List-Unsubscribe header and footer); its GET is the preference centre.</summary>
    public string UnsubscribeUrl { get; }

    /// <summary>The open pixel's address; none in a preview.</summary>
    public string? OpenPixelUrl { get; }

    /// <summary>Whether these links act for a customer (minted for a leased message).</summary>
    public bool IsLive => _click is not null;

    /// <summary>The signed redirect to <paramref name="target"/> for this message; null in a preview (the link stays as written).</summary>
    public string? ClickUrl(string target) => _click?.Invoke(target);
}

/// <summary>The two links of a double opt-in confirmation e-mail.</summary>
/// <param name="ConfirmUrl">Opens the confirm page (GET shows a button, POST confirms).</param>
/// <param name="UnsubscribeUrl">"Do not e-mail me": the preference centre for this person, without a campaign.</param>
public sealed record ConfirmationLinks(string ConfirmUrl, string UnsubscribeUrl);
