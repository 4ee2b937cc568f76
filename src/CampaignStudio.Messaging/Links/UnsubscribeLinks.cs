namespace CampaignStudio.Messaging.Links;

/// <summary>
/// Where an unsubscribe token lives on the web: GET shows the confirm page and preference centre,
/// POST is the RFC 8058 one-click opt-out. Mail building and the endpoints share this one route.
/// </summary>
public static class UnsubscribeLinks
{
    public const string Route = "/u/{token}";

    /// <summary>
    /// The token of every link in a preview, test send or review: the same URL shape as a sent mail's, refused by every
    /// public endpoint, so a rendered preview never holds a credential for the customer it shows.
    /// </summary>
    public const string PreviewToken = "preview";

    public static string For(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/u/{Uri.EscapeDataString(token)}";

    public static bool IsPreview(string? token) => string.Equals(token, PreviewToken, StringComparison.Ordinal);
}

/// <summary>Where a double opt-in token lives on the web: GET shows a confirm button, POST confirms.</summary>
public static class DoubleOptInLinks
{
    public const string Route = "/confirm/{token}";

    public static string For(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/confirm/{Uri.EscapeDataString(token)}";
}

/// <summary>Where the open pixel and the click redirect of a sent message live.</summary>
public static class TrackingLinks
{
    public const string ClickRoute = "/t/c/{token}";
    public const string OpenRoute = "/t/o/{token}";

    public static string Click(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/t/c/{token}";

    public static string Open(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/t/o/{token}";
}
