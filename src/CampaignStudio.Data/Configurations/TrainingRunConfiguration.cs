using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class TrainingRunConfiguration : IEntityTypeConfiguration<TrainingRun>
{
    public void Configure(EntityTypeBuilder<TrainingRun> builder)
    {
        builder.Property(r => r.Stage).HasMaxLength(TrainingRun.StageLength);
        builder.Property(r => r.Error).HasMaxLength(Domain.Limits.Description);
        builder.Property(r => r.InstanceName).HasMaxLength(TrainingRun.InstanceLength);
        builder.Ignore(r => r.IsActive);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(r => r.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.ExperimentId, r.Kind, r.Id });

        // At most one queued or running run per experiment and kind, whichever instance starts it: the second insert fails
        // in the database itself (enums are stored as text, the same filter on SQLite and PostgreSQL).
        builder.HasIndex(r => new { r.ExperimentId, r.Kind }).IsUnique().HasFilter("\"State\" IN ('Queued', 'Running')")
            .HasDatabaseName("IX_TrainingRuns_OneActivePerExperimentAndKind");
    }
}
