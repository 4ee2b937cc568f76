using CampaignStudio.Domain.Segments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class SuggestedValueConfiguration : IEntityTypeConfiguration<SuggestedValue>
{
    public void Configure(EntityTypeBuilder<SuggestedValue> builder)
    {
        builder.HasKey(v => new { v.Field, v.Value });
        builder.Property(v => v.Field).HasMaxLength(40);
        builder.Property(v => v.Value).HasMaxLength(SuggestedValue.MaxValueLength);

        // "Most frequent first" within one field without sorting the field's values.
        builder.HasIndex(v => new { v.Field, v.Frequency });
    }
}
