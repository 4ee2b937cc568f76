using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class SuppressedAddressConfiguration : IEntityTypeConfiguration<SuppressedAddress>
{
    public void Configure(EntityTypeBuilder<SuppressedAddress> builder)
    {
        // 32 bytes of HMAC-SHA256 as hex.
        builder.Property(s => s.AddressHash).HasMaxLength(64);
        builder.HasIndex(s => s.AddressHash).IsUnique();
    }
}
