using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class OfferGainSummaryConfiguration : IEntityTypeConfiguration<OfferGainSummary>
{
    public void Configure(EntityTypeBuilder<OfferGainSummary> builder)
    {
        builder.HasKey(s => new { s.ExperimentId, s.VariantId });
        builder.HasOne<Experiment>().WithMany().HasForeignKey(s => s.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Variant>().WithMany().HasForeignKey(s => s.VariantId).OnDelete(DeleteBehavior.Cascade);
    }
}
