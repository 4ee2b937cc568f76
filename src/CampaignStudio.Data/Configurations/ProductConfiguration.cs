using CampaignStudio.Domain;
using CampaignStudio.Domain.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class ProductConfiguration : IEntityTypeConfiguration<Product>
{
    public void Configure(EntityTypeBuilder<Product> builder)
    {
        builder.Property(p => p.ExternalId).HasMaxLength(Limits.Product).IsRequired();
        builder.Property(p => p.Name).HasMaxLength(Limits.Title).IsRequired();
        builder.Property(p => p.NameKey).HasMaxLength(Limits.Title).IsRequired();
        builder.Property(p => p.Url).HasMaxLength(Limits.Url);
        builder.Property(p => p.ImageUrl).HasMaxLength(Limits.Url);
        builder.Property(p => p.Price).HasPrecision(18, 2);
        builder.Property(p => p.SalePrice).HasPrecision(18, 2);
        builder.Property(p => p.Currency).HasMaxLength(Limits.Currency);
        builder.Property(p => p.Category).HasMaxLength(Limits.Category);
        builder.Property(p => p.Brand).HasMaxLength(Limits.Brand);
        builder.Ignore(p => p.CurrentPrice);

        builder.Property(p => p.Attributes).IsAttributesJson();

        // The upsert key, and what purchases' Product names.
        builder.HasIndex(p => p.ExternalId).IsUnique();

        // Grid order and prefix search by name; (key, Id) so PostgreSQL pages without sorting equal names.
        builder.HasIndex(p => new { p.NameKey, p.Id });
        builder.HasIndex(p => new { p.Category, p.InStock });
    }
}
