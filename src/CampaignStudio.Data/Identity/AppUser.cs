using Microsoft.AspNetCore.Identity;

namespace CampaignStudio.Data.Identity;

/// <summary>A studio user (marketer, manager or admin).</summary>
public class AppUser : IdentityUser
{
    public string? DisplayName { get; set; }
}
