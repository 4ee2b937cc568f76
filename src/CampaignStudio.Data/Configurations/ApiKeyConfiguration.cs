using CampaignStudio.Data.Identity;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.Property(k => k.Name).HasMaxLength(Limits.Title);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.Property(k => k.KeyHash).HasMaxLength(Limits.SourceKey);
        builder.HasIndex(k => k.KeyHash).IsUnique();
        builder.HasOne<AppUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class StudioSettingConfiguration : IEntityTypeConfiguration<StudioSetting>
{
    public void Configure(EntityTypeBuilder<StudioSetting> builder)
    {
        builder.HasKey(s => s.Key);
        builder.Property(s => s.Key).HasMaxLength(Limits.Category);
        builder.Property(s => s.Value).HasMaxLength(Limits.Description);
    }
}
