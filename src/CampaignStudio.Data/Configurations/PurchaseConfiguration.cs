using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class PurchaseConfiguration : IEntityTypeConfiguration<Purchase>
{
    public void Configure(EntityTypeBuilder<Purchase> builder)
    {
        builder.Property(p => p.OrderId).HasMaxLength(Limits.ExternalId);
        builder.Property(p => p.Amount).HasPrecision(18, 2);
        builder.Property(p => p.Currency).HasMaxLength(Limits.Currency);
        builder.Property(p => p.Category).HasMaxLength(Limits.Category);
        builder.Property(p => p.Product).HasMaxLength(Limits.Product);
        builder.Property(p => p.SourceKey).HasMaxLength(Limits.SourceKey);

        // Amount rides along so "spent in the last N days" sums from the index alone, without a table read per purchase.
        builder.HasIndex(p => new { p.CustomerId, p.PurchasedAt, p.Amount });
        builder.HasIndex(p => new { p.CustomerId, p.SourceKey }).IsUnique();
        builder.HasIndex(p => p.PurchasedAt);

        // A purchase names its product by the catalogue's id: the product page counts buyers and revenue through this index.
        builder.HasIndex(p => new { p.Product, p.CustomerId });
    }
}
