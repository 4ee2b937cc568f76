using CampaignStudio.Domain;
using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.Property(r => r.Purpose).HasMaxLength(Limits.Category);
        builder.Property(r => r.WordingVersion).HasMaxLength(Limits.Category);
        builder.Property(r => r.Actor).HasMaxLength(Limits.Email);
        builder.Property(r => r.IpAddress).HasMaxLength(Limits.IpAddress);
        builder.Property(r => r.Note).HasMaxLength(Limits.ShortText);

        // Current status = latest row per customer, channel and purpose.
        builder.HasIndex(r => new { r.CustomerId, r.Channel, r.Purpose, r.RecordedAt });
        builder.HasIndex(r => r.RecordedAt);
        builder.HasIndex(r => r.CampaignId);
        builder.HasIndex(r => r.BounceEventId);
    }
}
