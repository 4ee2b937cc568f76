using CampaignStudio.TestSupport;

namespace CampaignStudio.Messaging.Tests.Transport;

/// <summary>One SMTP server for the transport tests (xunit wants a collection defined in the assembly that uses it).</summary>
[CollectionDefinition(Name)]
public sealed class SmtpCollection : ICollectionFixture<SmtpServerFixture>
{
    public const string Name = "SMTP server";
}
