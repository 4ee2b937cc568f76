namespace CampaignStudio.Domain.Identity;

/// <summary>Authorization policy names shared by pages, endpoints and services.</summary>
public static class Policies
{
    /// <summary>Any signed-in studio user (Admin, Marketer or Manager).</summary>
    public const string CanRead = nameof(CanRead);

    /// <summary>Admin or Marketer: may change customers, segments, experiments and campaigns.</summary>
    public const string CanEdit = nameof(CanEdit);

    /// <summary>Admin only: users, API keys and settings.</summary>
    public const string CanAdminister = nameof(CanAdminister);
}
