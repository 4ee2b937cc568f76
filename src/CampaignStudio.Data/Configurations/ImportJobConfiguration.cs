using CampaignStudio.Domain;
using CampaignStudio.Domain.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class ImportJobConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> builder)
    {
        builder.Property(j => j.FileName).HasMaxLength(Limits.ShortText);
        builder.Property(j => j.StoredPath).HasMaxLength(Limits.ShortText);
        builder.Property(j => j.Message).HasMaxLength(Limits.Description);
        builder.Property(j => j.CreatedBy).HasMaxLength(Limits.Email);
        builder.Ignore(j => j.ProgressFraction);
        builder.Ignore(j => j.IsFinished);
        builder.Ignore(j => j.EveryLineAccountedFor);
        builder.HasIndex(j => j.CreatedAt);
    }
}

public class ImportRowErrorConfiguration : IEntityTypeConfiguration<ImportRowError>
{
    public void Configure(EntityTypeBuilder<ImportRowError> builder)
    {
        builder.Property(e => e.Reason).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.RawRow).HasMaxLength(Limits.Description);
        builder.HasIndex(e => new { e.ImportJobId, e.LineNumber });
        builder.HasOne<ImportJob>().WithMany().HasForeignKey(e => e.ImportJobId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class ImportMappingPresetConfiguration : IEntityTypeConfiguration<ImportMappingPreset>
{
    public void Configure(EntityTypeBuilder<ImportMappingPreset> builder)
    {
        builder.Property(p => p.HeaderSignature).HasMaxLength(Limits.SourceKey);
        builder.HasIndex(p => new { p.Kind, p.HeaderSignature }).IsUnique();
    }
}
