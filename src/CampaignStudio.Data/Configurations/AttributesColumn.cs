using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

/// <summary>Custom attributes (customers', products'): one JSON object of strings in <c>AttributesJson</c>, NULL for none.</summary>
internal static class AttributesColumn
{
    public static PropertyBuilder<Dictionary<string, string>> IsAttributesJson(this PropertyBuilder<Dictionary<string, string>> property) => property
        .HasColumnName("AttributesJson")
        .UsePropertyAccessMode(PropertyAccessMode.Property)
        .IsRequired(false)
        .HasConversion(
            v => v.Count == 0 ? null : JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
            v => v == null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new Dictionary<string, string>(),
            new ValueComparer<Dictionary<string, string>>(
                (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                v => v.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)),
                v => new Dictionary<string, string>(v)));
}
