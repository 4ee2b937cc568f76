using CampaignStudio.Domain;
using CampaignStudio.Domain.Flows;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class FlowConfiguration : IEntityTypeConfiguration<Flow>
{
    public void Configure(EntityTypeBuilder<Flow> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(Limits.Title);
        builder.Property(f => f.Description).HasMaxLength(Limits.ShortText);
        builder.Property(f => f.StartedFrom).HasMaxLength(Limits.Category);
        builder.Property(f => f.CreatedBy).HasMaxLength(Limits.Email);
        builder.HasIndex(f => f.Status);
    }
}

public class FlowVersionConfiguration : IEntityTypeConfiguration<FlowVersion>
{
    public void Configure(EntityTypeBuilder<FlowVersion> builder)
    {
        builder.Property(v => v.CreatedBy).HasMaxLength(Limits.Email);
        builder.HasIndex(v => new { v.FlowId, v.Number }).IsUnique();
        builder.HasOne<Flow>().WithMany().HasForeignKey(v => v.FlowId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class FlowEnrollmentConfiguration : IEntityTypeConfiguration<FlowEnrollment>
{
    public void Configure(EntityTypeBuilder<FlowEnrollment> builder)
    {
        builder.Property(e => e.StepId).HasMaxLength(FlowDefinitionJson.MaxStepIdLength);
        builder.Property(e => e.WaitingForEvent).HasMaxLength(Limits.Category);
        builder.Property(e => e.LeaseOwner).HasMaxLength(TrainingRunInstanceLength);

        // One row per entry: a trigger seen twice (two instances, a retry) cannot enter the customer twice.
        builder.HasIndex(e => new { e.FlowId, e.CustomerId, e.EntryNumber }).IsUnique();
        // The engine's queries: due by time, waiting for an event type, live counts per step.
        builder.HasIndex(e => new { e.State, e.DueAt });
        builder.HasIndex(e => new { e.WaitingForEvent, e.CustomerId });
        builder.HasIndex(e => new { e.FlowId, e.State, e.StepId });
        builder.HasIndex(e => e.CustomerId);
        builder.HasOne<Flow>().WithMany().HasForeignKey(e => e.FlowId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<FlowVersion>().WithMany().HasForeignKey(e => e.FlowVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Domain.Customers.Customer>().WithMany().HasForeignKey(e => e.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }

    private const int TrainingRunInstanceLength = Domain.Experiments.TrainingRun.InstanceLength;
}

public class FlowStepVisitConfiguration : IEntityTypeConfiguration<FlowStepVisit>
{
    public void Configure(EntityTypeBuilder<FlowStepVisit> builder)
    {
        builder.Property(v => v.StepId).HasMaxLength(FlowDefinitionJson.MaxStepIdLength);
        builder.Property(v => v.Branch).HasMaxLength(Limits.Category);
        builder.Property(v => v.Note).HasMaxLength(Limits.ShortText);

        // A step is recorded once per trip, so redoing a step after a crash cannot count (or send) it twice.
        builder.HasIndex(v => new { v.EnrollmentId, v.StepId }).IsUnique();
        builder.HasIndex(v => new { v.FlowId, v.StepId, v.Outcome });
        builder.HasIndex(v => v.CustomerId);
        builder.HasOne<FlowEnrollment>().WithMany().HasForeignKey(v => v.EnrollmentId).OnDelete(DeleteBehavior.Cascade);
    }
}
