using CampaignStudio.Data.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class SendAllowanceConfiguration : IEntityTypeConfiguration<SendAllowance>
{
    public void Configure(EntityTypeBuilder<SendAllowance> builder)
    {
        builder.HasKey(a => a.Name);
        builder.Property(a => a.Name).HasMaxLength(SendAllowance.NameLength);
    }
}
