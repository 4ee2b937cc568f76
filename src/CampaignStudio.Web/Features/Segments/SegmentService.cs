using CampaignStudio.Data;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>Saved segments: list, edit, preview (live count, sample, spend mix), duplicate, freeze into a snapshot.</summary>
public sealed class SegmentService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, TimeProvider clock)
{
    /// <summary>Upper bounds of the spend buckets of the preview chart (the last bucket is open-ended).</summary>
    private static readonly decimal[] SpendBuckets = [0m, 50m, 100m, 250m, 500m];

    public async Task<IReadOnlyList<Segment>> ListAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Segments.AsNoTracking().Where(s => s.Kind != SegmentKind.Snapshot).OrderBy(s => s.Name).ToListAsync(ct);
    }

    public async Task<Segment?> GetAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
    }

    /// <summary>
    /// Counts the members of a rule as it is being edited, with a sample and how their spend differs from everyone's.
    /// Conditions not filled in yet are left out of the count and listed in <see cref="SegmentPreview.Unfinished"/>
    /// rather than reported as errors; a part filled in wrongly is the preview's <see cref="SegmentPreview.Error"/>.
    /// Both are worded for the marketer ("Condition 2 (Country) in “All of these match”: enter a value").
    /// </summary>
    public async Task<SegmentPreview> PreviewAsync(SegmentRule rule, int? segmentId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var draft = RuleDraft.Countable(rule);
        var unfinished = draft.Unfinished.Select(p => p.ForMarketer).ToList();
        if (draft.Rule is { } countable && SegmentRuleValidator.Check(countable) is { } problem)
        {
            return SegmentPreview.Invalid(problem.ForMarketer, unfinished);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        IQueryable<Domain.Customers.Customer> members;
        try
        {
            // Nothing finished narrows the audience yet: everyone is in.
            members = (draft.Rule is null ? db.Customers : await new SegmentQueryCompiler(db, clock).MembersAsync(draft.Rule, segmentId, ct)).Where(c => !c.IsErased);
        }
        catch (SegmentRuleException ex)
        {
            return SegmentPreview.Invalid(ex.Message, unfinished);
        }

        var count = await members.CountAsync(ct);
        var everyone = await db.Customers.CountAsync(c => !c.IsErased, ct);
        var sample = await members.OrderByDescending(c => c.Id).Take(10)
            .Select(c => new SegmentSampleMember(c.Id, c.FirstName, c.LastName, c.Email, c.Country, c.EmailConsent))
            .ToListAsync(ct);
        var segmentSpend = await SpendMixAsync(members, ct);
        var everyoneSpend = await SpendMixAsync(db.Customers.Where(c => !c.IsErased), ct);
        return new SegmentPreview(count, everyone, sample, segmentSpend, everyoneSpend, null) { Unfinished = unfinished };
    }

    /// <summary>Share of customers per spend bucket (lifetime total), computed in SQL.</summary>
    private static async Task<IReadOnlyList<SpendBucket>> SpendMixAsync(IQueryable<Domain.Customers.Customer> customers, CancellationToken ct)
    {
        var totals = customers.Select(c => c.Purchases.Sum(p => (decimal?)p.Amount) ?? 0m);
        var counts = await totals
            .GroupBy(t => t <= 0m ? 0 : t < 50m ? 1 : t < 100m ? 2 : t < 250m ? 3 : t < 500m ? 4 : 5)
            .Select(g => new { Bucket = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var all = Math.Max(1, counts.Sum(c => c.Count));
        string[] labels = ["No purchase", "< 50", "50–100", "100–250", "250–500", "500+"];
        return labels.Select((label, i) => new SpendBucket(label, (double)(counts.FirstOrDefault(c => c.Bucket == i)?.Count ?? 0) / all)).ToList();
    }

    public async Task<SaveSegmentResult> SaveAsync(int? id, string name, string? description, SegmentRule rule, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        if (string.IsNullOrWhiteSpace(name))
        {
            return SaveSegmentResult.Failed("Give the segment a name.");
        }

        if (name.Trim().Length > Domain.Limits.Title)
        {
            return SaveSegmentResult.Failed($"The name is longer than {Domain.Limits.Title} characters.");
        }

        // Saving needs every condition filled in; the builder's wording says which one is not.
        if (SegmentRuleValidator.Check(rule) is { } problem)
        {
            return SaveSegmentResult.Failed(problem.ForMarketer);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            // Compiling checks what validation cannot: that referenced segments exist and do not loop back.
            await new SegmentQueryCompiler(db, clock).CompileAsync(rule, id, ct);
        }
        catch (SegmentRuleException ex)
        {
            return SaveSegmentResult.Failed(ex.Message);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var segment = id is { } existing ? await db.Segments.FirstOrDefaultAsync(s => s.Id == existing && s.Kind == SegmentKind.Rule, ct) : null;
        if (id is not null && segment is null)
        {
            return SaveSegmentResult.Failed("This segment no longer exists.");
        }

        if (segment is null)
        {
            segment = new Segment { Kind = SegmentKind.Rule, CreatedAt = now, CreatedBy = await user.NameAsync() };
            db.Segments.Add(segment);
        }

        segment.Name = name.Trim();
        segment.Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        segment.RuleJson = SegmentRuleJson.Serialize(rule);
        segment.RuleVersion = rule.Version;
        segment.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return SaveSegmentResult.Saved(segment.Id);
    }

    public async Task<int> DuplicateAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.Segments.AsNoTracking().FirstAsync(s => s.Id == id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var copy = new Segment
        {
            Name = Truncate($"Copy of {source.Name}", Domain.Limits.Title),
            Description = source.Description,
            Kind = source.Kind == SegmentKind.Rule ? SegmentKind.Rule : SegmentKind.Snapshot,
            RuleJson = source.RuleJson,
            RuleVersion = source.RuleVersion,
            SourceSegmentId = source.Id,
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(copy);
        await db.SaveChangesAsync(ct);
        if (source.Kind != SegmentKind.Rule)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO \"SegmentMembers\" (\"SegmentId\", \"CustomerId\") SELECT {copy.Id}, \"CustomerId\" FROM \"SegmentMembers\" WHERE \"SegmentId\" = {source.Id}", ct);
        }

        return copy.Id;
    }

    /// <summary>Freezes today's members into a list segment (what a campaign does at launch), in one SQL statement.</summary>
    public async Task<int> FreezeAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.Segments.AsNoTracking().FirstAsync(s => s.Id == id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var members = await SegmentMembership.MemberIdsAsync(db, source.Id, clock, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var snapshot = new Segment
        {
            Name = Truncate($"{source.Name} — snapshot {now:yyyy-MM-dd HH:mm}", Domain.Limits.Title),
            Description = $"Members of “{source.Name}” frozen on {now:yyyy-MM-dd HH:mm} UTC.",
            Kind = SegmentKind.Snapshot,
            SourceSegmentId = source.Id,
            CreatedBy = await user.NameAsync(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(snapshot);
        await db.SaveChangesAsync(ct);
        var ids = await members.ToListAsync(ct);
        db.SegmentMembers.AddRange(ids.Select(c => new SegmentMember { SegmentId = snapshot.Id, CustomerId = c }));
        snapshot.MemberCount = ids.Count;
        snapshot.CountedAt = now;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return snapshot.Id;
    }

    public async Task DeleteAsync(int id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Segments.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Values for a city, country or bought-category condition that contain <paramref name="text"/>, most frequent first,
    /// from the pick lists counted after each import (a few thousand small rows, not a million customers).
    /// </summary>
    public async Task<IReadOnlyList<string>> SuggestValuesAsync(string field, string? text, int take = SuggestedValueStore.MaxSuggestions, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SuggestedValueStore.SearchAsync(db, field, text, take, ct);
    }

    /// <summary>Choices for conditions that point at other records: segments and experiment arms.</summary>
    public async Task<RuleChoices> ChoicesAsync(CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var segments = await db.Segments.AsNoTracking().OrderBy(s => s.Name).Select(s => new Choice(s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Name)).ToListAsync(ct);
        var experiments = await db.Experiments.AsNoTracking().Include(e => e.Variants).OrderBy(e => e.Name).ToListAsync(ct);
        return new RuleChoices(segments,
            experiments.Select(e => new ExperimentChoice(e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Name,
                e.Variants.OrderBy(v => v.SortOrder).Select(v => new Choice(v.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), v.Name)).ToList())).ToList());
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}

public sealed record SegmentPreview(int Count, int Everyone, IReadOnlyList<SegmentSampleMember> Sample, IReadOnlyList<SpendBucket> SegmentSpend,
    IReadOnlyList<SpendBucket> EveryoneSpend, string? Error)
{
    public double Share => Everyone == 0 ? 0 : (double)Count / Everyone;

    /// <summary>Conditions and groups not filled in yet, left out of this count, in the marketer's words.</summary>
    public IReadOnlyList<string> Unfinished { get; init; } = [];

    public static SegmentPreview Invalid(string error, IReadOnlyList<string> unfinished) => new(0, 0, [], [], [], error) { Unfinished = unfinished };
}

public sealed record SegmentSampleMember(long Id, string? FirstName, string? LastName, string? Email, string? Country, Domain.Consent.ConsentStatus Consent);

public sealed record SpendBucket(string Label, double Share);

public sealed record SaveSegmentResult(int? Id, string? Error)
{
    public static SaveSegmentResult Saved(int id) => new(id, null);

    public static SaveSegmentResult Failed(string error) => new(null, error);
}

public sealed record Choice(string Value, string Label);

public sealed record ExperimentChoice(string Value, string Label, IReadOnlyList<Choice> Variants);

public sealed record RuleChoices(IReadOnlyList<Choice> Segments, IReadOnlyList<ExperimentChoice> Experiments)
{
    /// <summary>The label of a segment or experiment id, for selects that show the chosen one.</summary>
    public static string LabelOf(IEnumerable<Choice> choices, string? value) => choices.FirstOrDefault(c => c.Value == value)?.Label ?? value ?? "";
}

public static class SegmentsFeature
{
    public static IServiceCollection AddSegmentsFeature(this IServiceCollection services)
    {
        services.AddScoped<SegmentService>();
        services.AddScoped<Clustering.ClusteringService>();
        services.AddSingleton<Clustering.ClusteringQueue>();
        services.AddSingleton<Clustering.ClusterFeatureLoader>();
        services.AddHostedService<Clustering.ClusteringWorker>();
        return services;
    }
}
