using CampaignStudio.Domain.Consent;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Consent;

/// <summary>What <see cref="ConfirmationRequests.DecideAsync"/> found: a permit to mail the confirmation, or why not.</summary>
public sealed record ConfirmationDecision(ConfirmationPermit? Permit, ConfirmationRefusal Refusal)
{
    public static ConfirmationDecision Refused(ConfirmationRefusal refusal) => new(null, refusal);
}

/// <summary>
/// Decides whether a double opt-in confirmation e-mail may go to a customer now (<see cref="ConsentRules.MayAskToConfirm"/>
/// on their log, plus an address that is not erased or suppressed) and issues the <see cref="ConfirmationPermit"/> its links
/// are minted from. Records nothing: "pending" is appended only once the e-mail has left.
/// </summary>
public sealed class ConfirmationRequests(IDbContextFactory<AppDbContext> dbFactory, AddressSuppression suppression, TimeProvider clock)
{
    public async Task<ConfirmationDecision> DecideAsync(long customerId, ConsentSource source, string purpose = ConsentPurposes.Marketing,
        CancellationToken ct = default)
    {
        await suppression.PrepareAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == customerId && !c.IsErased)
            .Select(c => new { c.Email, c.FirstName, c.LastName }).FirstOrDefaultAsync(ct);
        if (customer?.Email is not { Length: > 0 } email)
        {
            return ConfirmationDecision.Refused(ConfirmationRefusal.NoAddress);
        }

        if (await suppression.IsSuppressedAsync(db, email, ct))
        {
            return ConfirmationDecision.Refused(ConfirmationRefusal.AddressSuppressed);
        }

        var log = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == customerId && r.Channel == ConsentChannel.Email).ToListAsync(ct);
        var refusal = ConsentRules.MayAskToConfirm(log, source, clock.GetUtcNow().UtcDateTime, purpose);
        if (refusal != ConfirmationRefusal.None)
        {
            return ConfirmationDecision.Refused(refusal);
        }

        var name = string.Join(' ', new[] { customer.FirstName, customer.LastName }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return new ConfirmationDecision(new ConfirmationPermit(customerId, email, name.Length > 0 ? name : null, purpose), ConfirmationRefusal.None);
    }
}
