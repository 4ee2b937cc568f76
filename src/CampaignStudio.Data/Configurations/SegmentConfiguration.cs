using CampaignStudio.Domain;
using CampaignStudio.Domain.Segments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(Limits.Title);
        builder.Property(s => s.Description).HasMaxLength(Limits.Description);
        builder.Property(s => s.CreatedBy).HasMaxLength(Limits.Email);
        builder.HasIndex(s => s.Name);
    }
}

public class SegmentMemberConfiguration : IEntityTypeConfiguration<SegmentMember>
{
    public void Configure(EntityTypeBuilder<SegmentMember> builder)
    {
        builder.HasKey(m => new { m.SegmentId, m.CustomerId });
        builder.HasIndex(m => m.CustomerId);
        builder.HasOne<Segment>().WithMany().HasForeignKey(m => m.SegmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Domain.Customers.Customer>().WithMany().HasForeignKey(m => m.CustomerId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class ClusteringRunConfiguration : IEntityTypeConfiguration<ClusteringRun>
{
    public void Configure(EntityTypeBuilder<ClusteringRun> builder)
    {
        builder.Property(r => r.Name).HasMaxLength(Limits.Title);
        builder.Property(r => r.CreatedBy).HasMaxLength(Limits.Email);
        builder.Property(r => r.ModelPath).HasMaxLength(Limits.ShortText);
        builder.Property(r => r.Error).HasMaxLength(Limits.Description);
    }
}
