using CampaignStudio.Data.Import;
using CampaignStudio.Web.Infrastructure;

namespace CampaignStudio.Web.Features.Customers;

public static class CustomersFeature
{
    public static IServiceCollection AddCustomersFeature(this IServiceCollection services)
    {
        services.AddScoped<CustomerService>();
        services.AddScoped<ImportService>();
        services.AddSingleton<ImportQueue>();
        services.AddSingleton<CustomerCountCache>();
        services.AddSingleton<CsvImporter>();
        services.AddHostedService<ImportWorker>();
        services.AddHostedService<UploadSweeper>();
        return services;
    }
}
