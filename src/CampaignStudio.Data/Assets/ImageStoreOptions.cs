namespace CampaignStudio.Data.Assets;

/// <summary>The image library's limits and where its pictures live (<c>Assets:</c> in configuration).</summary>
public sealed class AssetOptions
{
    public const string Section = "Assets";

    /// <summary>The largest picture accepted, in bytes (default 5 MB: mail programs clip big mails, and phones pay for data).</summary>
    public long MaxImageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>An S3-compatible bucket for the pictures; when none of its settings is given they stay in the data folder.</summary>
    public S3ImageOptions S3 { get; set; } = new();

    /// <summary>
    /// Where mail fetches library pictures from: the bucket's public address when one is configured, else the studio's own
    /// <c>/assets/images/</c> (null here; the compiler puts the studio's public address in front).
    /// </summary>
    public string? MailImageBaseUrl => S3.IsConfigured && !string.IsNullOrWhiteSpace(S3.PublicBaseUrl) ? S3.PublicBaseUrl.TrimEnd('/') + "/" : null;
}

/// <summary><c>Assets:S3:</c> — an S3-compatible bucket (AWS S3, MinIO, R2, ...) shared by every studio instance.</summary>
public sealed class S3ImageOptions
{
    /// <summary>The server's address, e.g. <c>https://s3.eu-central-1.amazonaws.com</c> or <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>The region requests are signed for; most S3-compatible servers accept the default.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Bucket in the path (<c>server/bucket/key</c>), as MinIO and most self-hosted servers need; off for virtual-host style.</summary>
    public bool PathStyle { get; set; } = true;

    /// <summary>Where the prefix folder of the bucket is public (a CDN or the bucket's public URL); mail then fetches pictures there.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The folder of the bucket the pictures are kept in.</summary>
    public string Prefix { get; set; } = "images/";

    /// <summary>Whether any S3 setting is given: then all the needed ones must be, and the bucket is the only store (no quiet fallback).</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(ServiceUrl) || !string.IsNullOrWhiteSpace(Bucket) || !string.IsNullOrWhiteSpace(AccessKey)
        || !string.IsNullOrWhiteSpace(SecretKey) || !string.IsNullOrWhiteSpace(PublicBaseUrl);

    /// <summary>What is wrong with the settings, as one sentence naming them; null when they are usable (or not given at all).</summary>
    public string? Problem()
    {
        if (!IsConfigured)
        {
            return null;
        }

        var missing = new[] { ("ServiceUrl", ServiceUrl), ("Bucket", Bucket), ("AccessKey", AccessKey), ("SecretKey", SecretKey) }
            .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => "Assets:S3:" + s.Item1).ToList();
        return missing.Count > 0
                ? $"The image library is set to use S3, but {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing."
            : !IsWebAddress(ServiceUrl) ? $"Assets:S3:ServiceUrl \"{ServiceUrl}\" is not an http(s) address."
            : PublicBaseUrl is not null && !IsWebAddress(PublicBaseUrl) ? $"Assets:S3:PublicBaseUrl \"{PublicBaseUrl}\" is not an http(s) address."
            : Prefix.StartsWith('/') ? $"Assets:S3:Prefix \"{Prefix}\" must not start with /."
            : null;
    }

    private static bool IsWebAddress(string? text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";
}
