using CampaignStudio.Data.Identity;
using CampaignStudio.Domain.Auditing;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data;

/// <summary>The studio's one database: identity, customers and everything marketers build on them.</summary>
public class AppDbContext(DbContextOptions<AppDbContext> options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Purchase> Purchases => Set<Purchase>();
    public DbSet<Domain.Products.Product> Products => Set<Domain.Products.Product>();
    public DbSet<CustomerStats> CustomerStats => Set<CustomerStats>();
    public DbSet<CustomerPrediction> CustomerPredictions => Set<CustomerPrediction>();
    public DbSet<CustomerEvent> CustomerEvents => Set<CustomerEvent>();
    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();
    public DbSet<SuppressedAddress> SuppressedAddresses => Set<SuppressedAddress>();
    public DbSet<Domain.Bounces.BounceEvent> BounceEvents => Set<Domain.Bounces.BounceEvent>();
    public DbSet<Domain.Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Domain.Webhooks.WebhookEndpoint>();
    public DbSet<Domain.Webhooks.WebhookDelivery> WebhookDeliveries => Set<Domain.Webhooks.WebhookDelivery>();
    public DbSet<Domain.Bounces.UsedWebhookToken> UsedWebhookTokens => Set<Domain.Bounces.UsedWebhookToken>();
    public DbSet<Segment> Segments => Set<Segment>();
    public DbSet<SegmentMember> SegmentMembers => Set<SegmentMember>();
    public DbSet<SuggestedValue> SuggestedValues => Set<SuggestedValue>();
    public DbSet<ClusteringRun> ClusteringRuns => Set<ClusteringRun>();
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<Variant> Variants => Set<Variant>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<AllocationRound> AllocationRounds => Set<AllocationRound>();
    public DbSet<TrainingRun> TrainingRuns => Set<TrainingRun>();
    public DbSet<PredictedOfferGain> PredictedOfferGains => Set<PredictedOfferGain>();

    public DbSet<OfferGainSummary> OfferGainSummaries => Set<OfferGainSummary>();
    public DbSet<EmailTemplate> EmailTemplates => Set<EmailTemplate>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<TrackedLink> TrackedLinks => Set<TrackedLink>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();
    public DbSet<ImportRowError> ImportRowErrors => Set<ImportRowError>();
    public DbSet<ImportMappingPreset> ImportMappingPresets => Set<ImportMappingPreset>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<StudioSetting> Settings => Set<StudioSetting>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Cluster.JobLease> JobLeases => Set<Cluster.JobLease>();
    public DbSet<Campaigns.SendAllowance> SendAllowances => Set<Campaigns.SendAllowance>();
    public DbSet<Domain.Flows.Flow> Flows => Set<Domain.Flows.Flow>();
    public DbSet<Domain.Flows.FlowVersion> FlowVersions => Set<Domain.Flows.FlowVersion>();
    public DbSet<Domain.Flows.FlowEnrollment> FlowEnrollments => Set<Domain.Flows.FlowEnrollment>();
    public DbSet<Domain.Flows.FlowStepVisit> FlowStepVisits => Set<Domain.Flows.FlowStepVisit>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
        Data.Segments.StudioDbFunctions.Register(builder, Database.IsSqlite());

        if (Database.IsSqlite())
        {
            // SQLite has no decimal type: EF would store TEXT and refuse to sum or compare server-side.
            // Money as REAL keeps aggregates in SQL; cents-level rounding is fine for analytics.
            foreach (var property in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties())
                         .Where(p => p.ClrType == typeof(decimal) || p.ClrType == typeof(decimal?)))
            {
                property.SetValueConverter(typeof(decimal?) == property.ClrType
                    ? new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<decimal?, double?>(v => (double?)v, v => (decimal?)v)
                    : new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<decimal, double>(v => (double)v, v => (decimal)v));
            }
        }
        else
        {
            Configurations.CustomerConfiguration.ConfigurePostgres(builder.Entity<Customer>());
            Configurations.CustomerStatsConfiguration.ConfigurePostgres(builder.Entity<CustomerStats>());
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored as text: readable in the database and stable when members are added.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        GuardAppendOnly();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        GuardAppendOnly();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The proof tables (consent log, audit log, suppression list): rows may be added, never changed or removed.</summary>
    private void GuardAppendOnly()
    {
        foreach (var entry in ChangeTracker.Entries())
        {
            if ((entry.State is EntityState.Modified or EntityState.Deleted) && Consent.AppendOnlyTriggers.Tables.Any(t => t.Entity == entry.Metadata.ClrType))
            {
                throw new InvalidOperationException(entry.Entity is ConsentRecord
                    ? "The consent log is append-only: record a new consent entry instead of changing or deleting one."
                    : $"{Consent.AppendOnlyTriggers.Tables.Single(t => t.Entity == entry.Metadata.ClrType).Message}: add a new row instead of changing or deleting one.");
            }
        }
    }
}
