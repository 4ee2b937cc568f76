namespace CampaignStudio.Domain.Identity;

/// <summary>The three roles of the studio. Authorization is checked against these names in services and endpoints.</summary>
public static class Roles
{
    /// <summary>Manages users, API keys and studio settings; can do everything a marketer can.</summary>
    public const string Admin = "Admin";

    /// <summary>Works with customers, segments, experiments and campaigns.</summary>
    public const string Marketer = "Marketer";

    /// <summary>Reads dashboards and reports; changes nothing.</summary>
    public const string Manager = "Manager";

    public static readonly IReadOnlyList<string> All = [Admin, Marketer, Manager];

    /// <summary>Roles allowed to change customer data, segments, experiments and campaigns.</summary>
    public const string Editors = Admin + "," + Marketer;

    /// <summary>Every signed-in role may read.</summary>
    public const string Readers = Admin + "," + Marketer + "," + Manager;
}
