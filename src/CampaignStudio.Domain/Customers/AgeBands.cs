namespace CampaignStudio.Domain.Customers;

/// <summary>The age bands used in reports and fairness audits.</summary>
public static class AgeBands
{
    public static readonly IReadOnlyList<string> All = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"];

    public static string? FromAge(int age) => age switch
    {
        < 0 or > 120 => null,
        < 25 => "<25",
        < 35 => "25-34",
        < 45 => "35-44",
        < 55 => "45-54",
        < 65 => "55-64",
        _ => "65+",
    };
}
