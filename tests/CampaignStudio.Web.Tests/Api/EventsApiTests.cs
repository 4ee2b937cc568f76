using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Consent;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary><c>POST /api/events</c> on SQLite (issue 15, decision 052).</summary>
public sealed class EventsApiTests(StudioAppFactory app) : EventsApiContract(app), IClassFixture<StudioAppFactory>;

/// <summary>The same contract on PostgreSQL, where two retries really run at the same time.</summary>
public sealed class EventsApiOnPostgresTests(PostgresStudioAppFactory app) : EventsApiContract(app), IClassFixture<PostgresStudioAppFactory>;

/// <summary>
/// The events endpoint over real HTTP (Kestrel on a free port) against the real database: every accepted event is one
/// <c>CustomerEvents</c> row, committed before the answer; a retry is stored once; bad events are named and cost nothing.
/// </summary>
public abstract class EventsApiContract(StudioAppFactory app)
{
    private static readonly ConcurrentDictionary<StudioAppFactory, Uri> _servers = new();

    protected StudioAppFactory App { get; } = app;

    /// <summary>Starts the host on Kestrel once per fixture, before anything else touches its services.</summary>
    internal static Uri ServerOf(StudioAppFactory app) => _servers.GetOrAdd(app, a =>
    {
        a.UseKestrel(0);
        a.StartServer();
        var address = a.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    });

    internal static async Task<HttpClient> ClientAsync(StudioAppFactory app, string? email)
    {
        var client = new HttpClient { BaseAddress = ServerOf(app) };
        if (email is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        }

        return client;
    }

    private Task<HttpClient> MarketerAsync() => ClientAsync(App, "marketer@demo.local");

    private string Now(TimeSpan offsetFromNow, TimeSpan? zone = null) =>
        App.Clock.GetUtcNow().Add(offsetFromNow).ToOffset(zone ?? TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private static async Task<EventsAnswer> PostAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/events", body);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<EventsAnswer>())!;
    }

    private async Task<AppDbContext> DbAsync() => await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task ASingleEventIsOneRowWithItsTypeUtcTimeAndProperties()
    {
        var client = await MarketerAsync();
        var at = App.Clock.GetUtcNow().AddMinutes(-10);
        var id = "single-" + Guid.NewGuid();

        var answer = await PostAsync(client, new
        {
            eventId = id,
            type = "added_to_cart",
            email = "Single.Shopper@Example.com",
            occurredAt = at.ToOffset(TimeSpan.FromHours(2)).ToString("O", CultureInfo.InvariantCulture),
            properties = new { product = "SKU-1042", price = 49.9, quantity = 1 },
        });

        answer.Results.Single().ShouldBe(new EventStatus(1, id, "accepted", null));
        (answer.Accepted, answer.Duplicates, answer.Refused).ShouldBe((1, 0, 0));
        await using var db = await DbAsync();
        var stored = await db.CustomerEvents.Include(e => e.Customer).SingleAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor(id));
        stored.SourceKey.ShouldStartWith("api:");
        stored.Type.ShouldBe("added_to_cart");
        stored.OccurredAt.ShouldBe(at.UtcDateTime, TimeSpan.FromMilliseconds(1));
        JsonDocument.Parse(stored.PropertiesJson!).RootElement.GetProperty("product").GetString().ShouldBe("SKU-1042");
        stored.Customer!.Email.ShouldBe("single.shopper@example.com");
    }

    [Fact]
    public async Task ABatchStoresTheGoodEventsAndNamesEachBadOneInWords()
    {
        var client = await MarketerAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        string Id(int n) => $"batch-{run}-{n}";
        var events = new object[]
        {
            new { eventId = Id(1), type = "viewed_product", email = $"batch-{run}@example.com", properties = new { product = "SKU-1" } },
            new { eventId = Id(2), type = "checkout_started", email = $"batch-{run}@example.com", occurredAt = Now(TimeSpan.FromMinutes(4)) },
            new { eventId = Id(3), type = "order_placed", email = $"batch-{run}@example.com", occurredAt = Now(TimeSpan.FromMinutes(6)) },
            new { eventId = Id(4), type = "order_placed", email = $"batch-{run}@example.com", occurredAt = Now(-TimeSpan.FromDays(31)) },
            new { eventId = Id(5), type = "Viewed Product", email = $"batch-{run}@example.com" },
            new { eventId = Id(6), type = "viewed_product" },
            new { eventId = Id(7), type = "viewed_product", email = "not-an-address" },
            new { eventId = Id(8), type = "viewed_product", email = $"batch-{run}@example.com", properties = new[] { 1, 2 } },
            new { eventId = Id(9), type = "viewed_product", email = $"batch-{run}@example.com", properties = new { text = new string('x', 17_000) } },
            new { type = "viewed_product", email = $"batch-{run}@example.com" },
            new { eventId = Id(11), type = "viewed_product", email = $"batch-{run}@example.com", occurredAt = "2026-06-15T09:00:00" },
            new { eventId = Id(12), type = "added_to_cart", email = $"batch-{run}@example.com", occurredAt = Now(-TimeSpan.FromDays(29), TimeSpan.FromHours(-5)) },
            new { eventId = Id(1), type = "viewed_product", email = $"batch-{run}@example.com" },
        };

        var answer = await PostAsync(client, new { events });

        answer.Results.Select(r => r.Status).ShouldBe(["accepted", "accepted", "refused", "refused", "refused", "refused", "refused", "refused", "refused",
            "refused", "refused", "accepted", "duplicate"]);
        answer.Results.Select(r => r.Item).ShouldBe(Enumerable.Range(1, 13));
        (answer.Accepted, answer.Duplicates, answer.Refused).ShouldBe((3, 1, 9));
        answer.Results[2].Reason!.ShouldContain("in the future");
        answer.Results[3].Reason!.ShouldContain("days old");
        answer.Results[4].Reason!.ShouldContain("lower_snake");
        answer.Results[5].Reason!.ShouldContain("give email or externalId");
        answer.Results[6].Reason!.ShouldContain("not a valid e-mail address");
        answer.Results[7].Reason!.ShouldContain("properties must be a JSON object");
        answer.Results[8].Reason!.ShouldContain("larger than 16 KB");
        answer.Results[9].Reason!.ShouldContain("eventId is missing");
        answer.Results[10].Reason!.ShouldContain("with an offset");

        await using var db = await DbAsync();
        var customer = await db.Customers.SingleAsync(c => c.Email == $"batch-{run}@example.com");
        var stored = await db.CustomerEvents.Where(e => e.CustomerId == customer.Id).OrderBy(e => e.Id).Select(e => e.Type).ToListAsync();
        stored.ShouldBe(["viewed_product", "checkout_started", "added_to_cart"]);
    }

    [Fact]
    public async Task TheSameEventIdIsStoredOnceAlsoWhenTwoRetriesArriveTogether()
    {
        var client = await MarketerAsync();
        var id = "retry-" + Guid.NewGuid();
        var event1 = new { eventId = id, type = "order_placed", externalId = "R-" + id[6..18], properties = new { total = 99.8 } };

        (await PostAsync(client, event1)).Results.Single().Status.ShouldBe("accepted");
        (await PostAsync(client, event1)).Results.Single().Status.ShouldBe("duplicate");

        // Two identical posts at once, for a customer nobody knows yet: both create the customer and insert the event.
        var address = $"together-{id[6..18]}@example.com";
        var together = new { eventId = id + "-b", type = "order_placed", email = address };
        var other = await MarketerAsync();
        var answers = await Task.WhenAll(PostAsync(client, together), PostAsync(other, together));

        answers.Select(a => a.Results.Single().Status).Order().ShouldBe(["accepted", "duplicate"]);
        await using var db = await DbAsync();
        (await db.CustomerEvents.CountAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor(id))).ShouldBe(1);
        (await db.CustomerEvents.CountAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor(id + "-b"))).ShouldBe(1);
        (await db.Customers.CountAsync(c => c.Email == address)).ShouldBe(1);
    }

    [Fact]
    public async Task AnUnknownCustomerIsCreatedWithUnknownConsentAndAKnownOneIsFoundByExternalId()
    {
        var client = await MarketerAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        (await client.PostAsJsonAsync("/api/customers/batch", new
        {
            matchOn = "external_id",
            customers = new[] { new { externalId = "known-" + run, email = $"known-{run}@example.com" } },
        })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var answer = await PostAsync(client, new
        {
            events = new object[]
            {
                new { eventId = "k-" + run, type = "viewed_product", externalId = "known-" + run },
                new { eventId = "n-" + run, type = "viewed_product", email = $"new-{run}@example.com" },
                new { eventId = "x-" + run, type = "viewed_product", externalId = "new-" + run },
            },
        });

        answer.Results.Select(r => r.Status).ShouldAllBe(s => s == "accepted");
        await using var db = await DbAsync();
        var known = await db.Customers.SingleAsync(c => c.ExternalId == "known-" + run);
        (await db.CustomerEvents.SingleAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor("k-" + run))).CustomerId.ShouldBe(known.Id);
        var byEmail = await db.Customers.SingleAsync(c => c.Email == $"new-{run}@example.com");
        var byExternalId = await db.Customers.SingleAsync(c => c.ExternalId == "new-" + run);
        byEmail.EmailConsent.ShouldBe(ConsentStatus.Unknown);
        byExternalId.EmailConsent.ShouldBe(ConsentStatus.Unknown);
        byExternalId.Email.ShouldBeNull();
    }

    [Fact]
    public async Task AnEventForAnErasedAddressCreatesACustomerWhoStaysOptedOut()
    {
        var client = await MarketerAsync();
        var address = $"erased-{Guid.NewGuid():N}@example.com";
        (await PostAsync(client, new { eventId = "before-" + address, type = "viewed_product", email = address })).Accepted.ShouldBe(1);
        long id;
        await using (var db = await DbAsync())
        {
            id = (await db.Customers.SingleAsync(c => c.Email == address)).Id;
        }

        (await App.Services.GetRequiredService<CampaignStudio.Data.Privacy.CustomerPrivacy>().EraseAsync(id, "admin@demo.local")).ShouldBeTrue();
        (await PostAsync(client, new { eventId = "after-" + address, type = "viewed_product", email = address })).Accepted.ShouldBe(1);

        await using var check = await DbAsync();
        (await check.Customers.SingleAsync(c => c.Email == address)).EmailConsent.ShouldBe(ConsentStatus.OptedOut);
    }

    [Fact]
    public async Task TheSnippetIsServedAndPostsToTheShopWithoutAKey()
    {
        var client = await ClientAsync(App, null);

        var snippet = await client.GetStringAsync("/assets/campaignstudio-events.js");

        snippet.ShouldContain("window.campaignStudio");
        snippet.ShouldContain("track: function (type, properties)");
        snippet.ShouldContain("identify: function (address)");
        snippet.ShouldNotContain("X-Api-Key");
    }

    [Fact]
    public async Task AManagerKeyGets403AndNoKeyGets401AndNothingIsStored()
    {
        var id = "forbidden-" + Guid.NewGuid();
        var body = new { eventId = id, type = "viewed_product", email = "forbidden@example.com" };

        var manager = await (await ClientAsync(App, "manager@demo.local")).PostAsJsonAsync("/api/events", body);
        var anonymous = await (await ClientAsync(App, null)).PostAsJsonAsync("/api/events", body);
        var admin = await (await ClientAsync(App, "admin@demo.local")).PostAsJsonAsync("/api/events", body);

        manager.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        admin.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var db = await DbAsync();
        (await db.CustomerEvents.CountAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor(id))).ShouldBe(1);
    }

    [Fact]
    public async Task MoreThanAThousandEventsAreRefusedInWordsAndNoneIsStored()
    {
        var client = await MarketerAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var events = Enumerable.Range(0, 1_001).Select(i => new { eventId = $"big-{run}-{i}", type = "viewed_product", email = $"big-{run}@example.com" }).ToList();

        var response = await client.PostAsJsonAsync("/api/events", new { events });

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).ShouldContain("at most 1,000 events; this one has 1,001");
        await using var db = await DbAsync();
        (await db.Customers.AnyAsync(c => c.Email == $"big-{run}@example.com")).ShouldBeFalse();

        var thousand = await PostAsync(client, new { events = events.Take(1_000) });
        thousand.Accepted.ShouldBe(1_000);
    }

    [Fact]
    public async Task ABodyThatIsNotAnEventIsRefusedInWords()
    {
        var client = await MarketerAsync();

        var notJson = await client.PostAsync("/api/events", new StringContent("{\"eventId\": ", System.Text.Encoding.UTF8, "application/json"));
        var emptyBatch = await client.PostAsJsonAsync("/api/events", new { events = Array.Empty<object>() });

        notJson.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notJson.Content.ReadAsStringAsync()).ShouldContain("not valid JSON");
        emptyBatch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await emptyBatch.Content.ReadAsStringAsync()).ShouldContain("non-empty array");
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheEndpointWithExamples()
    {
        var client = await ClientAsync(App, null);

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var post = document.GetProperty("paths").GetProperty("/api/events").GetProperty("post");
        post.GetProperty("description").GetString()!.ShouldContain("a Manager key gets 403");
        // Examples are written once under components/examples (OpenApiExamples) and referred to from the operation.
        JsonElement Example(JsonElement examples, string name) => document.GetProperty("components").GetProperty("examples")
            .GetProperty(examples.GetProperty(name).GetProperty("$ref").GetString()!["#/components/examples/".Length..]).GetProperty("value");
        var examples = post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("examples");
        Example(examples, "batch").GetProperty("events").GetArrayLength().ShouldBe(3);
        Example(post.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("examples"), "batch")
            .GetProperty("results").GetArrayLength().ShouldBe(3);
        post.GetProperty("responses").TryGetProperty("429", out _).ShouldBeTrue();
    }

    internal sealed record EventsAnswer(int Accepted, int Duplicates, int Refused, IReadOnlyList<EventStatus> Results);

    internal sealed record EventStatus(int Item, string? EventId, string Status, string? Reason);
}

/// <summary>The per-key rate limit, on a host that allows 3 requests an hour so the fourth is refused whatever the machine's pace.</summary>
public sealed class EventsRateLimitTests(EventsRateLimitTests.SlowStudio app) : IClassFixture<EventsRateLimitTests.SlowStudio>
{
    public sealed class SlowStudio : StudioAppFactory
    {
        public SlowStudio()
        {
            Settings["Events:RateLimitRequests"] = "3";
            Settings["Events:RateLimitWindow"] = "01:00:00";
            Settings["Events:MaxAge"] = "2.00:00:00";
            Settings["Events:MaxClockSkew"] = "00:00:30";
        }
    }

    [Fact]
    public async Task TheTimeBoundsComeFromTheSettings()
    {
        var client = await EventsApiContract.ClientAsync(app, "marketer@demo.local");
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = app.Clock.GetUtcNow();
        object Event(int n, TimeSpan shift) => new
        {
            eventId = $"bounds-{run}-{n}", type = "viewed_product", email = $"bounds-{run}@example.com",
            occurredAt = now.Add(shift).ToString("O", CultureInfo.InvariantCulture),
        };

        var response = await client.PostAsJsonAsync("/api/events", new { events = new[]
        {
            Event(1, TimeSpan.FromDays(-1)), Event(2, TimeSpan.FromDays(-3)), Event(3, TimeSpan.FromMinutes(2)),
        } });

        var answer = (await response.Content.ReadFromJsonAsync<EventsApiContract.EventsAnswer>())!;
        answer.Results.Select(r => r.Status).ShouldBe(["accepted", "refused", "refused"]);
        answer.Results[1].Reason!.ShouldContain("older than 2 days");
        answer.Results[2].Reason!.ShouldContain("at most 30 seconds ahead");
    }

    [Fact]
    public async Task TheFourthRequestOfAKeyInTheWindowGets429WithRetryAfterAndAnotherKeyIsNotHeldUp()
    {
        var client = await EventsApiContract.ClientAsync(app, "marketer@demo.local");
        var run = Guid.NewGuid().ToString("N")[..8];
        object Event(int n) => new { eventId = $"rate-{run}-{n}", type = "viewed_product", email = $"rate-{run}@example.com" };

        for (var i = 0; i < 3; i++)
        {
            (await client.PostAsJsonAsync("/api/events", Event(i))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var refused = await client.PostAsJsonAsync("/api/events", Event(3));
        var otherKey = await (await EventsApiContract.ClientAsync(app, "marketer@demo.local")).PostAsJsonAsync("/api/events", Event(4));

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture).ShouldBeInRange(1, 3600);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("Too many requests for this API key");
        otherKey.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        (await db.CustomerEvents.CountAsync(e => e.SourceKey == TrackedEventWriter.SourceKeyFor($"rate-{run}-3"))).ShouldBe(0);
    }
}
