using CampaignStudio.Domain;
using CampaignStudio.Domain.Bounces;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class UsedWebhookTokenConfiguration : IEntityTypeConfiguration<UsedWebhookToken>
{
    public void Configure(EntityTypeBuilder<UsedWebhookToken> builder)
    {
        builder.Property(t => t.Provider).HasMaxLength(32);
        builder.Property(t => t.Token).HasMaxLength(Limits.ShortText);

        // Two instances receiving the same replayed request: the database lets one of them use the token.
        builder.HasIndex(t => new { t.Provider, t.Token }).IsUnique();
        builder.HasIndex(t => t.UsedAt);
    }
}
