using CampaignStudio.Messaging.Dkim;
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
    /// Registers the template renderer, MIME builder, signed links and the transport chosen by <c>Mail:Transport</c> (the
    /// one place the transport is chosen). <paramref name="dataFolder"/> names the folder the pickup outbox lives in; without
    /// it, <c>data</c> under the content root. The host may configure Data Protection further (key storage); this only makes
    /// sure it exists.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, string>? dataFolder = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // Checked now so a typo fails at start; read again when first resolved, because test hosts add configuration later.
        var transport = Read(configuration).Transport;
        if (!string.Equals(transport, MailOptions.SmtpTransport, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(transport, MailOptions.PickupTransport, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Unknown Mail:Transport '{transport}'; use '{MailOptions.PickupTransport}' or '{MailOptions.SmtpTransport}'.");
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddDataProtection();
        services.AddSingleton(_ => Read(configuration));
        services.AddSingleton(sp => sp.GetRequiredService<MailOptions>().Smtp);
        services.AddSingleton(sp => sp.GetRequiredService<MailOptions>().Send);
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton(sp => new MessageBuilder(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SignedTokenService(
            sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<SignedTokenOptions>()));
        services.AddSingleton<IMailTransport>(sp =>
        {
            var chosen = Chosen(sp);

            // With a DKIM key source (the studio hosts register one), every message is signed on its way out.
            return sp.GetService<IDkimSignerSource>() is { } signers ? new DkimSigningTransport(chosen, signers) : chosen;
        });

        return services;

        IMailTransport Chosen(IServiceProvider sp)
        {
            var options = sp.GetRequiredService<MailOptions>();
            if (string.Equals(options.Transport, MailOptions.SmtpTransport, StringComparison.OrdinalIgnoreCase))
            {
                return new SmtpMailTransport(options.Smtp, sp.GetService<ILogger<SmtpMailTransport>>());
            }

            // Resolved when first used, not at registration: test hosts and the command line change the data folder afterwards.
            var folder = dataFolder?.Invoke(sp) ?? Path.Combine(sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory(), "data");
            return new PickupFolderTransport(options.PickupFolderUnder(folder), sp.GetService<TimeProvider>());
        }
    }

    private static MailOptions Read(IConfiguration configuration) =>
        configuration.GetSection(MailOptions.SectionName).Get<MailOptions>() ?? new MailOptions();
}
