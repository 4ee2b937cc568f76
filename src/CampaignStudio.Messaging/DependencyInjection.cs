using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CampaignStudio.Messaging;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the template renderer, MIME builder, signed links and the transport chosen by <c>Mail:Transport</c>.
    /// The host may configure Data Protection further (key storage); this only makes sure it exists.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(MailOptions.SectionName).Get<MailOptions>() ?? new MailOptions();

        services.TryAddSingleton(TimeProvider.System);
        services.AddDataProtection();
        services.AddSingleton(options);
        services.AddSingleton(options.Smtp);
        services.AddSingleton(options.Send);
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton(sp => new MessageBuilder(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SignedTokenService(
            sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<SignedTokenOptions>()));

        if (string.Equals(options.Transport, MailOptions.SmtpTransport, StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IMailTransport>(sp => new SmtpMailTransport(options.Smtp, sp.GetService<ILogger<SmtpMailTransport>>()));
        }
        else if (string.Equals(options.Transport, MailOptions.PickupTransport, StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IMailTransport>(sp =>
            {
                var root = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
                return new PickupFolderTransport(Path.Combine(root, options.PickupFolder));
            });
        }
        else
        {
            throw new InvalidOperationException($"Unknown Mail:Transport '{options.Transport}'; use '{MailOptions.PickupTransport}' or '{MailOptions.SmtpTransport}'.");
        }

        return services;
    }
}
