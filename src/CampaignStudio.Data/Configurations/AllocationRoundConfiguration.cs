using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class AllocationRoundConfiguration : IEntityTypeConfiguration<AllocationRound>
{
    public void Configure(EntityTypeBuilder<AllocationRound> builder)
    {
        builder.Property(r => r.WeightsJson).HasMaxLength(Limits.ShortText);

        // One row per round: a second instance computing the same round fails on insert instead of logging it twice.
        builder.HasIndex(r => new { r.ExperimentId, r.Number }).IsUnique();
        builder.HasOne<Experiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Cascade);
    }
}
