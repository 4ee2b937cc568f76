namespace CampaignStudio.Messaging.Links;

/// <summary>
/// The links one e-mail carries back to the studio: unsubscribe / preference centre, the open pixel and tracked clicks.
/// Made two ways only: live by <see cref="SignedTokenService.LinksFor(Domain.Campaigns.MessageDelivery, string, ClickTokens)"/> for a
/// message the send pipeline leased, or <see cref="Preview"/> for previews, test sends and reviews — the same shape, but a
/// token every public endpoint refuses, no open pixel and untracked clicks.
/// </summary>
public sealed class MessageLinks
{
    private readonly ClickTokens? _clicks;
    private readonly string _clickPrefix;
    private readonly long _messageId;

    internal MessageLinks(string unsubscribeUrl, string? openPixelUrl, string publicBaseUrl, ClickTokens? clicks, long messageId)
    {
        UnsubscribeUrl = unsubscribeUrl;
        OpenPixelUrl = openPixelUrl;
        _clicks = clicks;
        _clickPrefix = clicks is null ? "" : TrackingLinks.Click(publicBaseUrl, "");
        _messageId = messageId;
    }

    /// <summary>Inert links for a mail that is shown or test-sent, not sent to the customer it is rendered for.</summary>
    public static MessageLinks Preview(string publicBaseUrl) => new(UnsubscribeLinks.For(publicBaseUrl, UnsubscribeLinks.PreviewToken), null, publicBaseUrl, null, 0);

    /// <summary>The one-click unsubscribe link (List-Unsubscribe header and footer); its GET is the preference centre.</summary>
    public string UnsubscribeUrl { get; }

    /// <summary>The open pixel's address; none in a preview.</summary>
    public string? OpenPixelUrl { get; }

    /// <summary>Whether these links act for a customer (minted for a leased message).</summary>
    public bool IsLive => _clicks is not null;

    /// <summary>The signed redirect to <paramref name="target"/> for this message; null in a preview (the link stays as written).</summary>
    public string? ClickUrl(string target) => _clicks is null ? null : _clickPrefix + _clicks.Mint(_messageId, target);

    /// <summary>Appends <see cref="ClickUrl"/> of <paramref name="target"/> to <paramref name="writer"/> without making it a string first.</summary>
    internal void WriteClickUrl(ReadOnlySpan<char> target, Templates.CharBufferWriter writer)
    {
        writer.Write(_clickPrefix);
        _clicks!.Mint(_messageId, target, writer);
    }
}

/// <summary>The two links of a double opt-in confirmation e-mail.</summary>
/// <param name="ConfirmUrl">Opens the confirm page (GET shows a button, POST confirms).</param>
/// <param name="UnsubscribeUrl">"Do not e-mail me": the preference centre for this person, without a campaign.</param>
public sealed record ConfirmationLinks(string ConfirmUrl, string UnsubscribeUrl);
