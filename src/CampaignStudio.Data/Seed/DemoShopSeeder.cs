using System.Data.Common;
using System.Text.Json;
using CampaignStudio.Data.Bulk;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Seed;

/// <summary>
/// Generates a reproducible demo shop: customers over two years whose buying follows a real shop's shape
/// (most buy once, a few buy often), e-mail engagement, a mix of consent states, and a finished
/// "discount e-mail" experiment whose true per-customer effect is known: occasional buyers respond,
/// loyal ones buy anyway.
/// </summary>
public sealed class DemoShopSeeder(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock)
{
    public const string ExperimentName = "Spring discount e-mail (10% off)";

    /// <summary>Seeds only into an empty database. Returns false when customers already exist.</summary>
    public async Task<bool> SeedIfEmptyAsync(DemoShopOptions options, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Customers.AnyAsync(ct))
        {
            return false;
        }

        await SeedAsync(db, options, ct);
        await new Settings.SenderIdentityStore(dbFactory, clock).SaveAsync(Settings.SenderIdentity.Demo, ct);
        return true;
    }

    private async Task SeedAsync(AppDbContext db, DemoShopOptions options, CancellationToken ct)
    {
        var rng = new Random(options.Seed);
        var now = clock.GetUtcNow().UtcDateTime;
        var today = now.Date;
        var money = MoneyParameters.For(db.Database);
        object Money(decimal m) => money.Value(m);

        var template = new EmailTemplate
        {
            Name = "Spring discount",
            Subject = "{{ customer.first_name | default: \"Hello\" }}, 10% off everything this week",
            Preheader = "Our spring offer, just for you",
            HtmlBody = "<h1>Spring is here, {{ customer.first_name | default: \"friend\" }}!</h1><p>Take 10% off your next order with code <strong>SPRING10</strong>.</p>",
            TextBody = "Spring is here, {{ customer.first_name | default: \"friend\" }}! Take 10% off your next order with code SPRING10.",
            CreatedBy = "demo",
            CreatedAt = now.AddDays(-70),
            UpdatedAt = now.AddDays(-70),
        };
        db.EmailTemplates.Add(template);
        db.Products.AddRange(DemoCatalogue.Products(Categories, now.AddDays(-120)));
        var experimentStart = today.AddDays(-60);
        var experiment = new Experiment
        {
            Name = ExperimentName,
            Hypothesis = "A 10% discount e-mail makes occasional buyers order; loyal customers order anyway.",
            Status = ExperimentStatus.Finished,
            Source = ExperimentSource.Simulated,
            PrimaryMetric = PrimaryMetric.Conversion,
            AttributionWindowDays = 14,
            AssignmentSalt = "demo-spring",
            CreatedBy = "demo",
            CreatedAt = experimentStart.AddDays(-3),
            StartedAt = experimentStart,
            EndedAt = experimentStart.AddDays(14),
            Variants =
            [
                new Variant { Name = "No e-mail (control)", IsControl = true, Weight = 1, SortOrder = 0 },
                new Variant { Name = "Discount e-mail", Weight = 1, SortOrder = 1 },
            ],
        };
        db.Experiments.Add(experiment);
        var segment = new Segment
        {
            Name = "Opted-in customers",
            Description = "Everyone who can be mailed: e-mail consent is opted in.",
            Kind = SegmentKind.Rule,
            RuleJson = SegmentRuleJson.Serialize(new SegmentRule
            {
                Root = new RuleGroup(GroupOperator.And, [new RuleCondition(RuleFields.EmailConsent, RuleOperators.EqualTo) { Value = nameof(ConsentStatus.OptedIn) }]),
            }),
            CreatedBy = "demo",
            CreatedAt = now.AddDays(-90),
            UpdatedAt = now.AddDays(-90),
        };
        db.Segments.Add(segment);
        await db.SaveChangesAsync(ct);
        var campaign = new Campaign
        {
            Name = "Spring discount (experiment arm)",
            SegmentId = segment.Id,
            ExperimentId = experiment.Id,
            EmailTemplateId = template.Id,
            CreatedBy = "demo",
            CreatedAt = experimentStart.AddDays(-2),
            LaunchedAt = experimentStart,
            CompletedAt = experimentStart.AddHours(1),
            SendingDomain = Settings.SenderIdentityStore.DomainOf(Settings.SenderIdentity.Demo.FromAddress),
        };

        // The demo's campaign has been sent: it went the way every campaign goes.
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        campaign.MoveTo(CampaignStatus.Completed);
        db.Campaigns.Add(campaign);
        experiment.Variants[1].EmailTemplateId = template.Id;
        await db.SaveChangesAsync(ct);
        var control = experiment.Variants[0].Id;
        var treatment = experiment.Variants[1].Id;

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var customers = await BulkInserter.CreateAsync(connection, tx, "Customers",
            ["ExternalId", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City", "BirthYear", "AgeBand", "Gender",
             "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "EmailConsentAt", "IsErased"], "Id", ct);
        await using var purchases = await BulkInserter.CreateAsync(connection, tx, "Purchases",
            ["CustomerId", "OrderId", "Amount", "Currency", "Category", "Product", "PurchasedAt", "SourceKey"], null, ct);
        await using var events = await BulkInserter.CreateAsync(connection, tx, "CustomerEvents",
            ["CustomerId", "Type", "OccurredAt", "PropertiesJson", "CampaignId", "SourceKey"], null, ct);
        await using var consents = await BulkInserter.CreateAsync(connection, tx, "ConsentRecords",
            ["CustomerId", "Channel", "Purpose", "Status", "Source", "WordingVersion", "Actor", "IpAddress", "RecordedAt", "CampaignId", "Note"], null, ct);
        await using var assignments = await BulkInserter.CreateAsync(connection, tx, "Assignments",
            ["ExperimentId", "VariantId", "CustomerId", "AssignedAt", "Visited", "Clicked", "Converted", "Revenue", "PrePeriodValue", "TrueEffect"], null, ct);
        await using var messages = await BulkInserter.CreateAsync(connection, tx, "Messages",
            ["CampaignId", "CustomerId", "VariantId", "Status", "Attempts", "QueuedAt", "SentAt", "MessageIdHeader", "OpenedAt", "ClickedAt"], null, ct);

        var start = today.AddDays(-730);
        var newsletterDays = Enumerable.Range(0, 24).Select(i => start.AddDays(15 + i * 30).AddHours(9)).ToArray();
        long orderNo = 100_000;
        var usedEmails = new HashSet<string>();
        for (var i = 0; i < options.Customers; i++)
        {
            var first = Pick(rng, FirstNames);
            var last = Pick(rng, LastNames);
            var email = $"{Ascii(first)}.{Ascii(last)}" + "@" + Pick(rng, Domains);
            while (!usedEmails.Add(email))
            {
                email = $"{Ascii(first)}.{Ascii(last)}{rng.Next(1, 10_000)}" + "@" + Pick(rng, Domains);
            }

            var (country, cities) = PickWeighted(rng, Countries);
            var city = Pick(rng, cities);
            var birthYear = Math.Clamp((int)Math.Round(Normal(rng, today.Year - 41, 13)), today.Year - 85, today.Year - 18);
            var gender = rng.NextDouble() switch { < 0.49 => "female", < 0.96 => "male", _ => "diverse" };
            var created = start.AddDays(rng.NextDouble() * 700).AddMinutes(rng.Next(0, 1440));

            // Buyer type drives frequency; most buy once, a few buy often (like CDNOW).
            var type = rng.NextDouble() switch { < 0.10 => BuyerType.Loyal, < 0.32 => BuyerType.Regular, _ => BuyerType.Occasional };
            var favourite = Pick(rng, Categories);
            var engagement = type switch { BuyerType.Loyal => 0.45, BuyerType.Regular => 0.3, _ => 0.15 } * (0.5 + rng.NextDouble());

            // Consent: a realistic mix, each with its proof (or lack of it).
            var consentRoll = rng.NextDouble();
            var status = consentRoll switch
            {
                < 0.60 => ConsentStatus.OptedIn,
                < 0.74 => ConsentStatus.Unknown,
                < 0.86 => ConsentStatus.OptedOut,
                < 0.93 => ConsentStatus.Pending,
                < 0.98 => ConsentStatus.Bounced,
                _ => ConsentStatus.Complained,
            };
            var attributes = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["signup_source"] = Pick(rng, SignupSources),
                ["favourite_category"] = favourite,
            });

            var consentAt = created.AddMinutes(5);
            var customerId = Convert.ToInt64(await customers.InsertAsync(ct, $"C{100000 + i}", email, first, last, first.ToLowerInvariant(), last.ToLowerInvariant(),
                country, city, birthYear, AgeBands.FromAge(today.Year - birthYear), gender, created, created, attributes, status.ToString(), consentAt, false));

            // Consent log.
            var ip = $"192.0.2.{rng.Next(1, 255)}";
            switch (status)
            {
                case ConsentStatus.Unknown:
                    await consents.InsertAsync(ct, customerId, "Email", ConsentPurposes.Marketing, "Unknown", "Import", null, "system", null, created, null, "Imported from the old shop system without proof of consent");
                    break;
                case ConsentStatus.Pending:
                    await consents.InsertAsync(ct, customerId, "Email", ConsentPurposes.Marketing, "Pending", "Form", "signup-form-v2", "customer", ip, consentAt, null, null);
                    break;
                default:
                    await consents.InsertAsync(ct, customerId, "Email", ConsentPurposes.Marketing, "Pending", "Form", "signup-form-v2", "customer", ip, created, null, null);
                    await consents.InsertAsync(ct, customerId, "Email", ConsentPurposes.Marketing, "OptedIn", "DoubleOptIn", "signup-form-v2", "customer", ip, consentAt, null, null);
                    if (status != ConsentStatus.OptedIn)
                    {
                        var when = consentAt.AddDays(rng.NextDouble() * Math.Max(1, (today - consentAt).TotalDays));
                        var source = status == ConsentStatus.OptedOut ? "UnsubscribeLink" : "Bounce";
                        await consents.InsertAsync(ct, customerId, "Email", ConsentPurposes.Marketing, status.ToString(), source, null,
                            status == ConsentStatus.OptedOut ? "customer" : "system", status == ConsentStatus.OptedOut ? ip : null, when,
                            status == ConsentStatus.OptedOut && when >= experimentStart && when < experimentStart.AddDays(30) ? campaign.Id : null, null);
                    }

                    break;
            }

            // Purchases over the customer's lifetime.
            var meanGapDays = type switch { BuyerType.Loyal => 25.0, BuyerType.Regular => 110.0, _ => 10_000.0 };
            var lapseAt = type == BuyerType.Occasional ? created : created.AddDays(Exponential(rng, type == BuyerType.Loyal ? 900 : 400));
            var t = created.AddHours(rng.NextDouble() * 48);
            var spent90 = 0m;
            while (t < now && t < lapseAt.AddDays(1))
            {
                var amount = Math.Round((decimal)Math.Exp(Normal(rng, Math.Log(42), 0.6)), 2);
                var category = rng.NextDouble() < 0.6 ? favourite : Pick(rng, Categories);
                var order = $"O{orderNo++}";
                await purchases.InsertAsync(ct, customerId, order, Money(amount), "EUR", category, ProductOf(rng, category), t, order);
                if (t >= experimentStart.AddDays(-90) && t < experimentStart)
                {
                    spent90 += amount;
                }

                if (type == BuyerType.Occasional && rng.NextDouble() < 0.85)
                {
                    break;
                }

                t = t.AddDays(Math.Max(1, Exponential(rng, meanGapDays)));
            }

            // E-mail engagement with past newsletters, for those who could be mailed.
            if (status is ConsentStatus.OptedIn or ConsentStatus.OptedOut)
            {
                foreach (var day in newsletterDays)
                {
                    if (day < consentAt || day > now)
                    {
                        continue;
                    }

                    if (rng.NextDouble() < engagement)
                    {
                        var openAt = day.AddHours(Exponential(rng, 6));
                        await events.InsertAsync(ct, customerId, EventTypes.EmailOpen, openAt, null, null, $"nl-{day:yyyyMMdd}-open");
                        if (rng.NextDouble() < 0.25)
                        {
                            await events.InsertAsync(ct, customerId, EventTypes.EmailClick, openAt.AddMinutes(rng.Next(1, 30)), null, null, $"nl-{day:yyyyMMdd}-click");
                        }
                    }
                }
            }

            // The finished experiment: opted-in customers who existed before it started.
            if (status == ConsentStatus.OptedIn && consentAt < experimentStart)
            {
                var treated = rng.NextDouble() < 0.5;
                var baseline = type switch { BuyerType.Loyal => 0.32, BuyerType.Regular => 0.10, _ => 0.025 };
                var effect = type switch { BuyerType.Loyal => 0.0, BuyerType.Regular => 0.03, _ => 0.07 };
                var converted = rng.NextDouble() < baseline + (treated ? effect : 0);
                var visited = converted || rng.NextDouble() < (treated ? 0.18 : 0.10);
                var clicked = treated && (converted || rng.NextDouble() < engagement * 0.3);
                decimal? revenue = null;
                if (converted)
                {
                    var when = experimentStart.AddHours(rng.NextDouble() * 13 * 24 + 2);
                    revenue = Math.Round((decimal)Math.Exp(Normal(rng, Math.Log(48), 0.5)), 2);
                    var order = $"O{orderNo++}";
                    await purchases.InsertAsync(ct, customerId, order, Money(revenue.Value), "EUR", favourite, ProductOf(rng, favourite), when, order);
                }

                await assignments.InsertAsync(ct, experiment.Id, treated ? treatment : control, customerId, experimentStart, visited, clicked, converted,
                    revenue is null ? Money(0m) : Money(revenue.Value), (double)spent90, effect);
                if (treated)
                {
                    DateTime? opened = rng.NextDouble() < engagement + 0.1 ? experimentStart.AddHours(Exponential(rng, 8)) : null;
                    await messages.InsertAsync(ct, campaign.Id, customerId, treatment, nameof(MessageStatus.Sent), 1, experimentStart.AddMinutes(-10),
                        experimentStart.AddMinutes(rng.Next(0, 60)), $"<demo-{customerId}@campaignstudio.local>", opened, clicked ? opened?.AddMinutes(2) : null);
                    if (opened is { } o)
                    {
                        await events.InsertAsync(ct, customerId, EventTypes.EmailOpen, o, null, campaign.Id, $"c{campaign.Id}-open");
                    }
                }
            }
        }

        await tx.CommitAsync(ct);
        await db.Database.ExecuteSqlRawAsync(
            "UPDATE \"Campaigns\" SET \"AudienceCount\" = (SELECT COUNT(*) FROM \"Messages\" WHERE \"Messages\".\"CampaignId\" = \"Campaigns\".\"Id\")", ct);
        await new Customers.CustomerStatsRefresher(dbFactory, clock).RefreshAllAsync(ct);
    }

    private enum BuyerType
    {
        Occasional,
        Regular,
        Loyal,
    }

    /// <summary>"Müller" → "mueller", "de Vries" → "devries": e-mail local parts stay plain ASCII.</summary>
    private static string Ascii(string name) => name.ToLowerInvariant()
        .Replace("ü", "ue", StringComparison.Ordinal).Replace("ö", "oe", StringComparison.Ordinal).Replace("ä", "ae", StringComparison.Ordinal)
        .Replace("ß", "ss", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    private static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private static (string, string[]) PickWeighted(Random rng, IReadOnlyList<(string Country, string[] Cities, double Weight)> items)
    {
        var roll = rng.NextDouble() * items.Sum(i => i.Weight);
        foreach (var item in items)
        {
            roll -= item.Weight;
            if (roll <= 0)
            {
                return (item.Country, item.Cities);
            }
        }

        return (items[^1].Country, items[^1].Cities);
    }

    private static double Normal(Random rng, double mean, double sd)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return mean + sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Exponential(Random rng, double mean) => -mean * Math.Log(1.0 - rng.NextDouble());

    private static string ProductOf(Random rng, string category) => $"{category} item {rng.Next(1, 40):D2}";

    private static readonly string[] FirstNames = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Julia", "Karl", "Lea", "Lukas", "Maria", "Max", "Mia", "Noah", "Olivia", "Paul", "Sophie", "Tom", "Laura", "Elias", "Lena", "Finn", "Sara", "Leon", "Marie", "Jan", "Nina", "Oskar", "Ida", "Emil", "Frieda", "Henry", "Amelie", "Liam", "Ella", "Theo", "Zoe"];
    private static readonly string[] LastNames = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Jansen", "de Vries", "Bakker", "Dubois", "Martin", "Bernard", "Smith", "Jones", "Taylor", "Brown", "Gruber", "Huber", "Bauer", "Keller", "Frei", "Meier", "Vogel", "Berger"];
    private static readonly string[] Domains = ["example.com", "example.org", "example.net", "mail.example", "post.example"];
    private static readonly string[] Categories = ["Books", "Electronics", "Home & Living", "Fashion", "Beauty", "Sports", "Toys", "Garden"];
    private static readonly string[] SignupSources = ["checkout", "newsletter form", "social ad", "in-store", "referral"];

    private static readonly (string, string[], double)[] Countries =
    [
        ("Germany", ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Leipzig"], 0.42),
        ("Austria", ["Vienna", "Graz", "Linz", "Salzburg"], 0.14),
        ("Switzerland", ["Zurich", "Geneva", "Basel", "Bern"], 0.10),
        ("Netherlands", ["Amsterdam", "Rotterdam", "Utrecht"], 0.10),
        ("France", ["Paris", "Lyon", "Marseille", "Strasbourg"], 0.10),
        ("United Kingdom", ["London", "Manchester", "Bristol", "Edinburgh"], 0.14),
    ];
}

public sealed record DemoShopOptions(int Customers = 50_000, int Seed = 42);
