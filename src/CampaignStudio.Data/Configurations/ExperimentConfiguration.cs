using CampaignStudio.Domain;
using CampaignStudio.Domain.Experiments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class ExperimentConfiguration : IEntityTypeConfiguration<Experiment>
{
    public void Configure(EntityTypeBuilder<Experiment> builder)
    {
        builder.Property(e => e.Name).HasMaxLength(Limits.Title);
        builder.Property(e => e.Hypothesis).HasMaxLength(Limits.Description);
        builder.Property(e => e.AssignmentSalt).HasMaxLength(Limits.SourceKey);
        builder.Property(e => e.CreatedBy).HasMaxLength(Limits.Email);
        builder.Property(e => e.PowerPlanJson).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.RolloutFallbackArm).HasMaxLength(Limits.Title);
        builder.Property(e => e.RolloutDecision).HasMaxLength(Limits.Description);
        builder.HasMany(e => e.Variants).WithOne(v => v.Experiment).HasForeignKey(v => v.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Domain.Segments.Segment>().WithMany().HasForeignKey(e => e.AudienceSegmentId).OnDelete(DeleteBehavior.SetNull);

        // Deleting a source experiment keeps the rounds it launched; they only lose the link back.
        builder.HasOne<Experiment>().WithMany().HasForeignKey(e => e.LaunchedFromExperimentId).OnDelete(DeleteBehavior.SetNull);
    }
}

public class VariantConfiguration : IEntityTypeConfiguration<Variant>
{
    public void Configure(EntityTypeBuilder<Variant> builder)
    {
        builder.Property(v => v.Name).HasMaxLength(Limits.Title);
        builder.Ignore(v => v.SendsAMessage);
        builder.HasOne<Domain.Campaigns.EmailTemplate>().WithMany().HasForeignKey(v => v.EmailTemplateId).OnDelete(DeleteBehavior.SetNull);
    }
}

public class AssignmentConfiguration : IEntityTypeConfiguration<Assignment>
{
    public void Configure(EntityTypeBuilder<Assignment> builder)
    {
        builder.Property(a => a.Revenue).HasPrecision(18, 2);
        builder.Property(a => a.RowKey).HasMaxLength(Limits.ExternalId);

        // Once made, an assignment never changes: one row per customer per experiment.
        builder.HasIndex(a => new { a.ExperimentId, a.CustomerId }).IsUnique().HasFilter("\"CustomerId\" IS NOT NULL");
        builder.HasIndex(a => new { a.ExperimentId, a.RowKey }).IsUnique().HasFilter("\"RowKey\" IS NOT NULL");
        builder.HasIndex(a => new { a.ExperimentId, a.VariantId });
        builder.HasIndex(a => a.CustomerId);
        builder.HasOne<Experiment>().WithMany().HasForeignKey(a => a.ExperimentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Variant>().WithMany().HasForeignKey(a => a.VariantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Domain.Customers.Customer>().WithMany().HasForeignKey(a => a.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}
