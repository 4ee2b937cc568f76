using CampaignStudio.Domain;
using CampaignStudio.Domain.Auditing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.Property(a => a.Actor).HasMaxLength(Limits.Email);
        builder.Property(a => a.Action).HasMaxLength(Limits.Category);
        builder.Property(a => a.EntityType).HasMaxLength(Limits.Category);
        builder.Property(a => a.EntityId).HasMaxLength(Limits.ExternalId);
        builder.HasIndex(a => a.At);
        builder.HasIndex(a => new { a.EntityType, a.EntityId });
    }
}
