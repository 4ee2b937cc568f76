using CampaignStudio.Domain;
using CampaignStudio.Domain.Bounces;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class BounceEventConfiguration : IEntityTypeConfiguration<BounceEvent>
{
    public void Configure(EntityTypeBuilder<BounceEvent> builder)
    {
        builder.Property(e => e.MailboxMessageId).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.StatusCode).HasMaxLength(16);
        builder.Property(e => e.Diagnostic).HasMaxLength(Limits.Description);
        builder.Property(e => e.Subject).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.From).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.Evidence).HasMaxLength(Limits.Description);
        builder.Property(e => e.Outcome).HasMaxLength(Limits.ShortText);

        // A mail read twice (crash between recording and moving it) is recorded once: the database refuses the second row.
        builder.HasIndex(e => e.MailboxMessageId).IsUnique();
        // The soft-bounce window per customer, and the per-campaign counts.
        builder.HasIndex(e => new { e.CustomerId, e.Kind, e.ReceivedAt });
        builder.HasIndex(e => new { e.CampaignId, e.Kind });
        builder.HasIndex(e => new { e.Kind, e.RecordedAt });
    }
}
