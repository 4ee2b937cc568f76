using CampaignStudio.Domain;
using CampaignStudio.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.Property(e => e.Url).HasMaxLength(Limits.Url);

        // Several flags as text ("OptIn, Bounce"): longer than one enum name.
        builder.Property(e => e.Events).HasMaxLength(Limits.Title);
        builder.Property(e => e.SecretProtected).HasMaxLength(Limits.ShortText);
        builder.Property(e => e.CreatedBy).HasMaxLength(Limits.Email);
    }
}

public class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.Payload).HasMaxLength(Limits.Description * 4);
        builder.Property(d => d.IdempotencyKey).HasMaxLength(Limits.SourceKey);
        builder.Property(d => d.LastError).HasMaxLength(Limits.ShortText);
        builder.HasIndex(d => d.IdempotencyKey).IsUnique();

        // The worker's question ("what is due?") and the log per endpoint.
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => new { d.EndpointId, d.CreatedAt });
        builder.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}
