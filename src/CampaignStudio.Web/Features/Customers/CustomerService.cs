using CampaignStudio.Data;
using CampaignStudio.Data.Customers;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Customers;

/// <summary>Reads customers for the grid, the customer page and the API. Every query runs as SQL with an index behind it.</summary>
public sealed class CustomerService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, CustomerCountCache counts)
{
    public const int MaxPageSize = 500;

    /// <summary>Searches count matches up to this many; the grid shows "10,000+" beyond.</summary>
    public const int CountCap = 10_000;

    public async Task<CustomerPage> QueryAsync(CustomerQuery query, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customers = Search(db.Customers.AsNoTracking().Where(c => !c.IsErased), query.Search);

        // Counting a million rows costs more than the page itself: the unfiltered total is PostgreSQL's estimate
        // from 50,000 customers on, otherwise counted and cached briefly; a search counts only up to the cap.
        var capped = false;
        var estimated = false;
        int total;
        if (string.IsNullOrWhiteSpace(query.Search))
        {
            if (await CustomerTotals.EstimateAsync(db, ct) is { } estimate)
            {
                (total, estimated) = (estimate, true);
            }
            else
            {
                total = await counts.GetAsync(token => customers.CountAsync(token), ct);
            }
        }
        else
        {
            total = await customers.Take(CountCap + 1).CountAsync(ct);
            capped = total > CountCap;
            total = Math.Min(total, CountCap);
        }

        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var items = await Sort(customers, query.SortBy, query.Descending)
            .Skip(Math.Max(0, query.Page) * size)
            .Take(size)
            .Select(c => new CustomerListItem(c.Id, c.ExternalId, c.Email, c.FirstName, c.LastName, c.Country, c.City, c.EmailConsent, c.CreatedAt)
            {
                ChurnRisk = db.CustomerPredictions.Where(p => p.CustomerId == c.Id).Select(p => (double?)p.ChurnRisk).FirstOrDefault(),
                ValueBand = db.CustomerPredictions.Where(p => p.CustomerId == c.Id).Select(p => (PredictedValueBand?)p.ValueBand).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return new CustomerPage(items, total, capped, estimated);
    }

    public async Task<CustomerDetail?> GetAsync(long id, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (customer is null)
        {
            return null;
        }

        var purchases = await db.Purchases.AsNoTracking().Where(p => p.CustomerId == id).OrderByDescending(p => p.PurchasedAt).Take(200).ToListAsync(ct);
        var stats = await db.Purchases.Where(p => p.CustomerId == id)
            .GroupBy(p => 1)
            .Select(g => new { Count = g.Count(), Total = g.Sum(p => p.Amount), First = g.Min(p => p.PurchasedAt), Last = g.Max(p => p.PurchasedAt) })
            .FirstOrDefaultAsync(ct);
        var events = await db.CustomerEvents.AsNoTracking().Where(e => e.CustomerId == id).OrderByDescending(e => e.OccurredAt).Take(200).ToListAsync(ct);
        var consent = await db.ConsentRecords.AsNoTracking().Where(r => r.CustomerId == id).OrderByDescending(r => r.RecordedAt).ThenByDescending(r => r.Id).ToListAsync(ct);
        // Purchases name products by the catalogue's id; an id the catalogue does not hold is shown as "not in catalogue".
        var productIds = purchases.Select(p => p.Product).OfType<string>().Distinct().ToList();
        var products = await db.Products.AsNoTracking().Where(p => productIds.Contains(p.ExternalId))
            .Select(p => new CatalogueLink(p.Id, p.ExternalId, p.Name)).ToDictionaryAsync(p => p.ShopId, ct);
        return new CustomerDetail(customer, purchases, stats?.Count ?? 0, stats?.Total ?? 0, stats?.First, stats?.Last, events, consent)
        {
            Products = products,
            HasCatalogue = products.Count > 0 || await db.Products.AnyAsync(ct),
        };
    }

    /// <summary>
    /// Prefix search on e-mail, first name and last name, or an exact external id. Prefix ranges (not LIKE) so that
    /// SQLite and PostgreSQL both use the indexes; keys are stored lower-cased, so the search is case-insensitive.
    /// </summary>
    internal static IQueryable<Customer> Search(IQueryable<Customer> customers, string? search)
    {
        var term = search?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(term))
        {
            return customers;
        }

        var end = term + "\uffff";
        var original = search!.Trim();
        return customers.Where(c =>
            (string.Compare(c.Email, term) >= 0 && string.Compare(c.Email, end) < 0)
            || (string.Compare(c.LastNameKey, term) >= 0 && string.Compare(c.LastNameKey, end) < 0)
            || (string.Compare(c.FirstNameKey, term) >= 0 && string.Compare(c.FirstNameKey, end) < 0)
            || c.ExternalId == original);
    }

    /// <summary>Sorting only by an allow-list of columns; anything else falls back to newest first.</summary>
    internal static IQueryable<Customer> Sort(IQueryable<Customer> customers, string? sortBy, bool descending) => (sortBy?.ToLowerInvariant()) switch
    {
        "name" or "lastname" => descending ? customers.OrderByDescending(c => c.LastNameKey).ThenByDescending(c => c.Id) : customers.OrderBy(c => c.LastNameKey).ThenBy(c => c.Id),
        "firstname" => descending ? customers.OrderByDescending(c => c.FirstNameKey).ThenByDescending(c => c.Id) : customers.OrderBy(c => c.FirstNameKey).ThenBy(c => c.Id),
        "email" => descending ? customers.OrderByDescending(c => c.Email) : customers.OrderBy(c => c.Email),
        "country" => descending ? customers.OrderByDescending(c => c.Country).ThenByDescending(c => c.City) : customers.OrderBy(c => c.Country).ThenBy(c => c.City),
        "created" or "createdat" => descending ? customers.OrderByDescending(c => c.CreatedAt) : customers.OrderBy(c => c.CreatedAt),
        "consent" or "emailconsent" => descending ? customers.OrderByDescending(c => c.EmailConsent).ThenByDescending(c => c.Id) : customers.OrderBy(c => c.EmailConsent).ThenBy(c => c.Id),
        _ => descending ? customers.OrderBy(c => c.Id) : customers.OrderByDescending(c => c.Id),
    };
}

public sealed record CustomerQuery(string? Search = null, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25);

public sealed record CustomerListItem(long Id, string? ExternalId, string? Email, string? FirstName, string? LastName, string? Country, string? City,
    ConsentStatus EmailConsent, DateTime CreatedAt)
{
    /// <summary>1 − P(alive) from the lifetime model; null when not scored (no purchases, or not refitted since).</summary>
    public double? ChurnRisk { get; init; }

    /// <summary>The predicted-value band from the lifetime model; null when not scored.</summary>
    public PredictedValueBand? ValueBand { get; init; }

    public string Name => string.Join(' ', new[] { FirstName, LastName }.Where(s => !string.IsNullOrWhiteSpace(s)));
}

/// <summary>
/// One page of the grid; <see cref="TotalIsCapped"/> means there are more than <see cref="Total"/> matches,
/// <see cref="TotalIsEstimate"/> that the unfiltered total is the database's estimate (about <see cref="Total"/>), not a count.
/// </summary>
public sealed record CustomerPage(IReadOnlyList<CustomerListItem> Items, int Total, bool TotalIsCapped = false, bool TotalIsEstimate = false);

public sealed record CustomerDetail(Customer Customer, IReadOnlyList<Purchase> RecentPurchases, int PurchaseCount, decimal TotalSpent,
    DateTime? FirstPurchaseAt, DateTime? LastPurchaseAt, IReadOnlyList<CustomerEvent> RecentEvents, IReadOnlyList<ConsentRecord> ConsentHistory)
{
    /// <summary>The catalogue's products among the recent purchases, by the shop's product id.</summary>
    public IReadOnlyDictionary<string, CatalogueLink> Products { get; init; } = new Dictionary<string, CatalogueLink>();

    /// <summary>False while the shop has imported no catalogue: then no purchase is "not in catalogue".</summary>
    public bool HasCatalogue { get; init; }
}

/// <summary>A purchased product as the catalogue knows it, for a link to its page.</summary>
public sealed record CatalogueLink(long Id, string ShopId, string Name);
