using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class PredictedOfferGainConfiguration : IEntityTypeConfiguration<PredictedOfferGain>
{
    public void Configure(EntityTypeBuilder<PredictedOfferGain> builder)
    {
        // The key is the lookup: a flow's condition asks (experiment, offer, these customers); replacing a run deletes by experiment.
        builder.HasKey(g => new { g.ExperimentId, g.VariantId, g.CustomerId });
        builder.HasOne<Experiment>().WithMany().HasForeignKey(g => g.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Variant>().WithMany().HasForeignKey(g => g.VariantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Customer>().WithMany().HasForeignKey(g => g.CustomerId).OnDelete(DeleteBehavior.Cascade);

        // No foreign key to the run: the rows are replaced with the next run anyway, and a million inserts check one index fewer.
        builder.Property(g => g.TrainingRunId);
    }
}
