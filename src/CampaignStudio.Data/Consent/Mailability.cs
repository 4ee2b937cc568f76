using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Data.Consent;

/// <summary>
/// The one definition of "may receive marketing e-mail": opted in on the e-mail channel with an address.
/// Launch counts and the send worker both use it, so the review screen and the pipeline never disagree.
/// Erased customers have no address and are opted out; suppressed addresses are opted out by the ledger and the importer,
/// so this filter stays the whole truth.
/// </summary>
public static class Mailability
{
    public static IQueryable<Customer> Mailable(this IQueryable<Customer> customers) =>
        customers.Where(c => c.EmailConsent == ConsentStatus.OptedIn && !c.IsErased && c.Email != null && c.Email != "");
}
