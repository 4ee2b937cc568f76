namespace CampaignStudio.Messaging.Dns;

/// <summary>
/// The registrable ("organisational") domain DMARC's relaxed alignment compares: the last two labels of a name, or the last
/// three when the last two are a known two-label public suffix (co.uk, com.au, …). A simple rule, not the whole Public
/// Suffix List (no package for it on the feed): rare suffixes outside the list are treated as ordinary names.
/// </summary>
public static class OrganisationalDomain
{
    private static readonly HashSet<string> TwoLabelSuffixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz", "net.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "co.kr", "or.kr", "com.cn", "net.cn", "org.cn", "com.hk", "com.tw", "com.sg",
        "co.in", "net.in", "org.in", "co.id", "co.th", "com.my", "com.ph", "com.vn",
        "com.br", "net.br", "org.br", "com.ar", "com.mx", "com.co", "com.pe", "com.uy",
        "co.za", "com.tr", "com.pl", "co.il", "com.ua", "co.at", "or.at", "com.es", "com.pt", "com.gr",
    };

    /// <summary>The organisational domain of <paramref name="name"/>, lower case, without a trailing dot.</summary>
    public static string Of(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var labels = name.Trim().TrimEnd('.').ToLowerInvariant().Split('.');
        if (labels.Length <= 2)
        {
            return string.Join('.', labels);
        }

        var lastTwo = string.Join('.', labels[^2..]);
        return TwoLabelSuffixes.Contains(lastTwo) ? string.Join('.', labels[^3..]) : lastTwo;
    }

    /// <summary>Relaxed alignment: both names belong to the same organisational domain.</summary>
    public static bool Aligned(string a, string b) => string.Equals(Of(a), Of(b), StringComparison.Ordinal);
}
