using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class CustomerPredictionConfiguration : IEntityTypeConfiguration<CustomerPrediction>
{
    public void Configure(EntityTypeBuilder<CustomerPrediction> builder)
    {
        builder.ToTable("CustomerPredictions");
        builder.HasKey(p => p.CustomerId);
        builder.Property(p => p.CustomerId).ValueGeneratedNever();
        builder.Property(p => p.ExpectedAverageSpend).HasPrecision(18, 2);
        builder.Property(p => p.PredictedValue).HasPrecision(18, 2);
        builder.HasOne(p => p.Customer).WithOne().HasForeignKey<CustomerPrediction>(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);

        // Segment conditions filter on churn risk and the value band; the dashboard ranks by value within a band.
        builder.HasIndex(p => p.ChurnRisk);
        builder.HasIndex(p => new { p.ValueBand, p.PredictedValue });
    }
}
