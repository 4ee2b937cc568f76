using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class CustomerEventConfiguration : IEntityTypeConfiguration<CustomerEvent>
{
    public void Configure(EntityTypeBuilder<CustomerEvent> builder)
    {
        builder.Property(e => e.Type).HasMaxLength(Limits.EventType);
        builder.Property(e => e.SourceKey).HasMaxLength(Limits.SourceKey);

        builder.HasIndex(e => new { e.CustomerId, e.Type, e.OccurredAt });
        builder.HasIndex(e => new { e.CustomerId, e.SourceKey }).IsUnique();
        builder.HasIndex(e => new { e.CampaignId, e.Type });
    }
}
