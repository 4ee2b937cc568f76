using CampaignStudio.Domain;
using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CampaignStudio.Data.Configurations;

public class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.Property(c => c.ExternalId).HasMaxLength(Limits.ExternalId);
        builder.Property(c => c.Email).HasMaxLength(Limits.Email);
        builder.Property(c => c.FirstName).HasMaxLength(Limits.Name);
        builder.Property(c => c.LastName).HasMaxLength(Limits.Name);
        builder.Property(c => c.FirstNameKey).HasMaxLength(Limits.Name);
        builder.Property(c => c.LastNameKey).HasMaxLength(Limits.Name);
        builder.Property(c => c.Country).HasMaxLength(Limits.Country);
        // Same SQL on SQLite (generated column) and PostgreSQL (GENERATED ALWAYS AS ... STORED); each folds case its own way,
        // and the rule compiler lower()s the compared value in the same database, so both sides always agree.
        builder.Property(c => c.CountryKey).HasMaxLength(Limits.Country).HasComputedColumnSql("lower(\"Country\")", stored: true);
        builder.Property(c => c.City).HasMaxLength(Limits.City);
        builder.Property(c => c.TimeZone).HasMaxLength(Limits.Category);
        builder.Property(c => c.Gender).HasMaxLength(Limits.Gender);
        builder.Property(c => c.AgeBand).HasMaxLength(Limits.AgeBand);
        builder.Ignore(c => c.DisplayName);

        builder.Property(c => c.Attributes).IsAttributesJson();

        // Upsert keys: unique where present (both databases allow many NULLs in a unique index). Not partial, so the
        // grid can also sort by e-mail through the index.
        builder.HasIndex(c => c.Email).IsUnique();
        builder.HasIndex(c => c.ExternalId).IsUnique();

        // Grid sort and prefix search over a million rows. The grid orders by (key, Id); SQLite's index holds the rowid
        // anyway, PostgreSQL needs Id in the index or it sorts every row with the same key (measured: 120 ms a page at 1M).
        builder.HasIndex(c => new { c.LastNameKey, c.Id });
        builder.HasIndex(c => new { c.FirstNameKey, c.Id });
        builder.HasIndex(c => c.CreatedAt);
        builder.HasIndex(c => new { c.Country, c.City });
        // The most common segment prefix (consent + country): the live count's hot path. IsErased last: the compiler's
        // NOT IsErased is no equality, and an inequality in the middle would stop SQLite's seek before the country.
        builder.HasIndex(c => new { c.EmailConsent, c.CountryKey, c.IsErased });

        // Lets the grid count the not-erased customers from a small index instead of reading the whole table.
        builder.HasIndex(c => c.IsErased);

        builder.HasMany(c => c.Purchases).WithOne(p => p.Customer).HasForeignKey(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.Events).WithOne(e => e.Customer).HasForeignKey(e => e.CustomerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(c => c.ConsentRecords).WithOne(r => r.Customer).HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Restrict);
    }

    /// <summary>
    /// PostgreSQL only (called by <see cref="AppDbContext"/>). A segment count needs the ids of the customers the consent
    /// and country select; PostgreSQL's index entries point at the table, not at the id, so without the id in the index it
    /// visits every page of Customers (about 100,000 matches are spread over all of them). With it the count reads the index
    /// alone. SQLite's index entries already end with the rowid, which is the id.
    /// </summary>
    public static void ConfigurePostgres(EntityTypeBuilder<Customer> builder) =>
        builder.HasIndex(c => new { c.EmailConsent, c.CountryKey, c.IsErased }).IncludeProperties(c => c.Id);
}
