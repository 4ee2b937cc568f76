using CampaignStudio.Domain.Customers;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Segments;

/// <summary>
/// Who is in a stored segment now: the one answer for the campaign review, the launch, freezing, the segment export and
/// experiments. Rule and list segments alike go through <see cref="SegmentQueryCompiler.CompileSegmentAsync"/>, and
/// erased customers are never members — a copy of this rule elsewhere once counted them for list segments only.
/// </summary>
public static class SegmentMembership
{
    /// <summary>The segment's customers now (erased customers never), as a read-only query to count, page, freeze or export.</summary>
    /// <exception cref="SegmentRuleException">The segment does not exist or its stored rule cannot be used; the message says why.</exception>
    public static async Task<IQueryable<Customer>> MembersAsync(AppDbContext db, int segmentId, TimeProvider clock, CancellationToken ct = default)
    {
        var predicate = await new SegmentQueryCompiler(db, clock).CompileSegmentAsync(segmentId, ct);
        return db.Customers.AsNoTracking().Where(c => !c.IsErased).Where(predicate);
    }

    /// <summary>The ids of <see cref="MembersAsync"/>.</summary>
    /// <exception cref="SegmentRuleException">The segment does not exist or its stored rule cannot be used; the message says why.</exception>
    public static async Task<IQueryable<long>> MemberIdsAsync(AppDbContext db, int segmentId, TimeProvider clock, CancellationToken ct = default) =>
        (await MembersAsync(db, segmentId, clock, ct)).Select(c => c.Id);
}
