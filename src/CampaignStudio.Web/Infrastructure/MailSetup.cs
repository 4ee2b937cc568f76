using CampaignStudio.Data;
using CampaignStudio.Messaging;
using CampaignStudio.Messaging.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CampaignStudio.Web.Infrastructure;

public static class MailSetup
{
    /// <summary>
    /// Messaging for the studio: templates, MIME, signed links, and the transport. Without <c>Mail:Transport = Smtp</c>
    /// mail goes to .eml files in <c>outbox</c> under the data folder (the demo works without a mail server).
    /// </summary>
    public static IServiceCollection AddStudioMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMessaging(configuration);

        // Chosen when first used, not at registration: test hosts and the command line change the data folder afterwards.
        services.Replace(ServiceDescriptor.Singleton<IMailTransport>(Create));
        return services;
    }

    private static IMailTransport Create(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var section = configuration.GetSection(MailOptions.SectionName);
        var options = section.Get<MailOptions>() ?? new MailOptions();
        if (string.Equals(options.Transport, MailOptions.SmtpTransport, StringComparison.OrdinalIgnoreCase))
        {
            return new SmtpMailTransport(options.Smtp, services.GetService<ILogger<SmtpMailTransport>>());
        }

        var folder = section[nameof(MailOptions.PickupFolder)] is { Length: > 0 } configured
            ? Path.Combine(services.GetRequiredService<IHostEnvironment>().ContentRootPath, configured)
            : Path.Combine(services.GetRequiredService<DatabaseOptions>().DataFolder, "outbox");
        return new PickupFolderTransport(folder);
    }
}
