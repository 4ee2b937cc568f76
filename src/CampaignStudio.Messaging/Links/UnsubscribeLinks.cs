namespace CampaignStudio.Messaging.Links;

/// <summary>
/// Where an unsubscribe token lives on the web: GET shows the confirm page and preference centre,
/// POST is the RFC 8058 one-click opt-out. Mail building and the endpoints share this one route.
/// </summary>
public static class UnsubscribeLinks
{
    public const string Route = "/u/{token}";

    public static string For(string publicBaseUrl, string token) => $"{publicBaseUrl.TrimEnd('/')}/u/{Uri.EscapeDataString(token)}";
}
