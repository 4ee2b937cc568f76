using CampaignStudio.Data;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Personalization;

/// <summary>A catalogue product as recommendations use it.</summary>
public sealed record CatalogueProduct(string Id, string Name, string? Url, string? ImageUrl, decimal? Price, decimal? SalePrice, string? Currency,
    string? Category, string? Brand, bool InStock);

/// <summary>The catalogue as read at one moment: by the shop's product id (ordinal, as purchases name products).</summary>
public sealed class CatalogueSnapshot(IReadOnlyDictionary<string, CatalogueProduct> byId, DateTime loadedAt)
{
    public static readonly CatalogueSnapshot Empty = new(new Dictionary<string, CatalogueProduct>(), DateTime.MinValue);

    public IReadOnlyDictionary<string, CatalogueProduct> ById { get; } = byId;

    /// <summary>No catalogue imported: recommendations fall back to the names and categories purchases carry.</summary>
    public bool IsEmpty => ById.Count == 0;

    public DateTime LoadedAt { get; } = loadedAt;
}

/// <summary>
/// The product catalogue in memory for the send pipeline. Read again when a writer in this process says it changed
/// (<see cref="Invalidate"/>: the import and the products API) and at least every <see cref="RefreshAfter"/> (another
/// process — a worker host — changed it), so a product sold out is not recommended for longer than that. One query per
/// refresh, never per batch.
/// </summary>
public sealed class ProductCatalogue(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile CatalogueSnapshot? _current;

    public void Invalidate() => _current = null;

    public async Task<CatalogueSnapshot> CurrentAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_current is { } fresh && now - fresh.LoadedAt < RefreshAfter)
        {
            return fresh;
        }

        await _loading.WaitAsync(ct);
        try
        {
            if (_current is { } loaded && now - loaded.LoadedAt < RefreshAfter)
            {
                return loaded;
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var products = await db.Products.AsNoTracking()
                .Select(p => new CatalogueProduct(p.ExternalId, p.Name, p.Url, p.ImageUrl, p.Price, p.SalePrice, p.Currency, p.Category, p.Brand, p.InStock))
                .ToListAsync(ct);
            var snapshot = new CatalogueSnapshot(products.ToDictionary(p => p.Id, StringComparer.Ordinal), now);
            _current = snapshot;
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }
}
