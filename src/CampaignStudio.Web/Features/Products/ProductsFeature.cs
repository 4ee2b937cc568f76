using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Features.Products;

public static class ProductsFeature
{
    public static IServiceCollection AddProductsFeature(this IServiceCollection services)
    {
        services.AddScoped<ProductService>();
        services.TryAddSingleton<CampaignStudio.Data.Privacy.PrivacySettingsStore>();
        return services;
    }
}
