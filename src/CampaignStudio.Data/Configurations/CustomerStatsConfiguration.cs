using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class CustomerStatsConfiguration : IEntityTypeConfiguration<CustomerStats>
{
    public void Configure(EntityTypeBuilder<CustomerStats> builder)
    {
        builder.ToTable("CustomerStats");
        builder.HasKey(s => s.CustomerId);
        builder.Property(s => s.CustomerId).ValueGeneratedNever();
        builder.Property(s => s.TotalSpent).HasPrecision(18, 2);

        // No fixed scale: the average keeps the precision of the database's AVG, as the purchase-scanning rule does.
        builder.Property(s => s.AverageOrderValue);

        builder.HasOne(s => s.Customer).WithOne().HasForeignKey<CustomerStats>(s => s.CustomerId).OnDelete(DeleteBehavior.Cascade);

        // Segment counts filter on one of these and probe customers by id. The score indexes carry the value too, so
        // the lowest value of each score (where a refreshed buyer is placed) is one index seek.
        builder.HasIndex(s => new { s.RecencyScore, s.LastPurchaseAt });
        builder.HasIndex(s => new { s.FrequencyScore, s.OrderCount });
        builder.HasIndex(s => new { s.MonetaryScore, s.TotalSpent });
        builder.HasIndex(s => s.LastPurchaseAt);
        builder.HasIndex(s => s.OrderCount);
        builder.HasIndex(s => s.TotalSpent);
    }

    /// <summary>
    /// PostgreSQL only (called by <see cref="AppDbContext"/>). A segment count joins the matching customers to their stats;
    /// PostgreSQL's heap has no order by id, so without this it hashes a scan of every stats row. With the key and the spend
    /// in one index the join is an index-only probe per customer. SQLite's stats table is itself a B-tree keyed by the
    /// customer id (rowid), so there the index would only add writes to the refresh.
    /// The score indexes also carry the customer id (INCLUDE): a score rule ("recency ≥ 4") is then an index-only range
    /// scan hashed against the matching customers instead of a scan of every stats row (measured at 1M: −15 % CPU).
    /// </summary>
    public static void ConfigurePostgres(EntityTypeBuilder<CustomerStats> builder)
    {
        builder.HasIndex(s => new { s.CustomerId, s.TotalSpent });
        builder.HasIndex(s => new { s.RecencyScore, s.LastPurchaseAt }).IncludeProperties(s => s.CustomerId);
        builder.HasIndex(s => new { s.FrequencyScore, s.OrderCount }).IncludeProperties(s => s.CustomerId);
        builder.HasIndex(s => new { s.MonetaryScore, s.TotalSpent }).IncludeProperties(s => s.CustomerId);
    }
}
