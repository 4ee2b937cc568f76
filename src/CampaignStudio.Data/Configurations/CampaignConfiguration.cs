using CampaignStudio.Domain;
using CampaignStudio.Domain.Campaigns;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class EmailTemplateConfiguration : IEntityTypeConfiguration<EmailTemplate>
{
    public void Configure(EntityTypeBuilder<EmailTemplate> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(Limits.Title);
        builder.Property(t => t.Subject).HasMaxLength(Limits.ShortText);
        builder.Property(t => t.Preheader).HasMaxLength(Limits.ShortText);
        builder.Property(t => t.CreatedBy).HasMaxLength(Limits.Email);
    }
}

public class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(Limits.Title);
        builder.Property(c => c.TimeZoneId).HasMaxLength(Limits.Category);
        builder.Property(c => c.CreatedBy).HasMaxLength(Limits.Email);
        builder.Property(c => c.DiscountTier).HasMaxLength(Limits.Category);
        builder.Property(c => c.SendingDomain).HasMaxLength(Limits.Email);
        builder.Property(c => c.AutoPauseReason).HasMaxLength(Limits.ShortText);
        builder.Ignore(c => c.IsAutoPaused);
        builder.Ignore(c => c.IsFlowStep);
        builder.Property(c => c.FlowStepId).HasMaxLength(Domain.Flows.FlowDefinitionJson.MaxStepIdLength);
        builder.HasIndex(c => new { c.FlowVersionId, c.FlowStepId }).IsUnique();
        builder.HasOne<Domain.Flows.Flow>().WithMany().HasForeignKey(c => c.FlowId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Domain.Flows.FlowVersion>().WithMany().HasForeignKey(c => c.FlowVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => c.Status);

        // Off unless the marketer chose it: campaigns from before the option send as they always did.
        builder.Property(c => c.DeliverAtBestHour).HasDefaultValue(false);
        builder.HasOne<Domain.Segments.Segment>().WithMany().HasForeignKey(c => c.SegmentId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Domain.Experiments.Experiment>().WithMany().HasForeignKey(c => c.ExperimentId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<EmailTemplate>().WithMany().HasForeignKey(c => c.EmailTemplateId).OnDelete(DeleteBehavior.SetNull);
    }
}

public class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.Property(m => m.LeaseOwner).HasMaxLength(Limits.Category);
        builder.Property(m => m.Error).HasMaxLength(Limits.ShortText);
        builder.Property(m => m.MessageIdHeader).HasMaxLength(Limits.ShortText);

        // One message per recipient per campaign (and per entry, for a flow step a customer may enter again): the ledger
        // that makes re-sends impossible. The default lets the bulk inserts of campaigns leave the column out.
        builder.Property(m => m.EntryNumber).HasDefaultValue(0);
        builder.HasIndex(m => new { m.CampaignId, m.CustomerId, m.EntryNumber }).IsUnique();
        // The worker's lease query: next due rows of a campaign by status.
        builder.HasIndex(m => new { m.Status, m.NextAttemptAt });
        builder.HasIndex(m => new { m.CampaignId, m.Status });
        builder.HasIndex(m => m.CustomerId);
        // Provider limits per minute and hour are counted from the ledger, so they hold across restarts.
        builder.HasIndex(m => m.SentAt);
        // A complaint report quotes the original's Message-ID: the way back to the row when no return address survived.
        builder.HasIndex(m => m.MessageIdHeader);
        builder.HasOne<Campaign>().WithMany().HasForeignKey(m => m.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class TrackedLinkConfiguration : IEntityTypeConfiguration<TrackedLink>
{
    public void Configure(EntityTypeBuilder<TrackedLink> builder)
    {
        builder.Property(l => l.Url).HasMaxLength(Limits.Url);
        builder.HasIndex(l => l.MessageId);
        builder.HasOne<Message>().WithMany().HasForeignKey(l => l.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
