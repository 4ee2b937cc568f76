using System.Net;
using System.Net.Http.Json;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

public sealed class AuthorizationTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    public static TheoryData<string> Pages => ["/", "/customers", "/customers/import", "/segments", "/experiments", "/campaigns", "/flows", "/consent", "/settings"];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task AnonymousVisitorsAreSentToSignIn(string page)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });

        var response = await client.GetAsync(page);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldStartWith("http://localhost/account/login");
        response.Headers.Location!.ToString().ShouldContain(Uri.EscapeDataString(page));
    }

    [Fact]
    public async Task AnonymousApiCallsGet401NotARedirect()
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        (await client.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync("/api/customers/batch", new { customers = Array.Empty<object>() })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string, string> MutatingEndpoints => new()
    {
        { "/api/customers/batch", """{"customers":[{"email":"m@example.com"}]}""" },
        { "/api/purchases/batch", """{"purchases":[{"customerEmail":"m@example.com","amount":5,"purchasedAt":"2025-01-01T00:00:00Z"}]}""" },
        { "/api/events/batch", """{"events":[{"customerEmail":"m@example.com","type":"visit","occurredAt":"2025-01-01T00:00:00Z"}]}""" },
        { "/api/events", """{"eventId":"m-1","type":"viewed_product","email":"m@example.com"}""" },
        { "/api/experiments/import", "{}" },
        { "/api/experiments/{id:int}/start", """{"confirm":true}""" },
        { "/api/experiments/", """{"name":"Not allowed","allocation":"Adaptive"}""" },
        { "/api/experiments/{id:int}/design", """{"name":"Not allowed"}""" },
        { "/api/experiments/{id:int}/rounds/next", "{}" },
        { "/api/imports", "{}" },
        { "/api/products/batch", """{"products":[{"id":"m-1","name":"Not allowed"}]}""" },
    };

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task ManagersAreDeniedOnEveryMutatingEndpoint(string path, string body)
    {
        var key = await app.ApiKeyForAsync("manager@demo.local");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        // The import takes a multipart upload (a JSON body would not reach the endpoint at all: 415).
        HttpContent content = path == "/api/imports"
            ? new MultipartFormDataContent { { new ByteArrayContent("email\nm@example.com\n"u8.ToArray()), "file", "m.csv" }, { new StringContent("customers"), "kind" } }
            : new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await client.PostAsync(path.Replace("{id:int}", "1", StringComparison.Ordinal), content);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var read = await client.GetFromJsonAsync<CustomerPageDto>("/api/customers?search=m@example.com");
        read!.Total.ShouldBe(0);
    }

    [Fact]
    public async Task EveryMutatingApiRouteIsCoveredByTheManagerTest()
    {
        var sources = app.Services.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>();
        var mutating = sources.SelectMany(s => s.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true && !e.RoutePattern.RawText.StartsWith("/api/auth", StringComparison.Ordinal))
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Any(m => m != "GET") == true)
            .Select(e => e.RoutePattern.RawText!)
            .Order()
            .ToList();

        mutating.ShouldBe(MutatingEndpoints.Select(row => (string)row[0])
            .Concat(Features.ConsentRolesAndPrivacyTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(TemplatesApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(FlowsApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(OfferPolicyApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(SendingDomainApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(BounceMailboxApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(WebhooksApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(ProviderWebhooksApiTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(Features.SenderHealthTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(Features.Campaigns.BlockTemplatesTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(Features.Campaigns.ImageLibraryTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(Features.Campaigns.PolicyLaunchTests.MutatingRoutes.Select(r => r.Pattern))
            .Concat(ApiParityTests.MutatingRoutes.Select(r => r.Pattern))
            .Order().ToList());
    }

    [Fact]
    public async Task AMarketerKeyUpsertsAndReadsCustomers()
    {
        var key = await app.ApiKeyForAsync("marketer@demo.local");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var response = await client.PostAsJsonAsync("/api/customers/batch", new
        {
            customers = new object[]
            {
                new { email = "Api.Person@Example.com", firstName = "Api", lastName = "Person", attributes = new Dictionary<string, string> { ["tier"] = "gold" } },
                new { email = "broken" },
            },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var result = await response.Content.ReadFromJsonAsync<BatchResultDto>();
        result!.Inserted.ShouldBe(1);
        result.Errors.Single().Item.ShouldBe(2);
        var page = await client.GetFromJsonAsync<CustomerPageDto>("/api/customers?search=api.person");
        page!.Total.ShouldBe(1);
        var customer = await client.GetFromJsonAsync<CustomerDto>($"/api/customers/{page.Items[0].Id}");
        customer!.Email.ShouldBe("api.person@example.com");
        customer.Attributes["tier"].ShouldBe("gold");
    }

    [Fact]
    public async Task AnUnknownApiKeyIsRejected()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "cs_not-a-real-key");
        (await client.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task BearerTokensFromTheIdentityApiWorkAndSelfRegistrationIsOff()
    {
        var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/auth/register", new { email = "x@example.com", password = "Some-Password-123" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var login = await client.PostAsJsonAsync("/api/auth/login", new { email = "manager@demo.local", password = StudioAppFactory.Password });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = (await login.Content.ReadFromJsonAsync<TokenDto>())!.AccessToken;
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        (await client.GetAsync("/api/customers")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsJsonAsync("/api/customers/batch", new { customers = new[] { new { email = "b@example.com" } } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task HealthAndOpenApiAreServed()
    {
        var client = app.CreateClient();
        (await client.GetStringAsync("/healthz")).ShouldBe("Healthy");
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        openApi.ShouldContain("/api/customers/batch");
        openApi.ShouldContain("/api/purchases/batch");
    }

    [Fact]
    public async Task SignInWithTheFormSetsTheCookieAndShowsTheStudio()
    {
        var client = await app.SignedInClientAsync("marketer@demo.local");
        var response = await client.GetAsync("/customers");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Customers");
    }

    [Fact]
    public async Task FiveWrongPasswordsLockTheAccount()
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/login", new { email = "admin@demo.local", password = "wrong-password-" + i });
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var right = await client.PostAsJsonAsync("/api/auth/login", new { email = "admin@demo.local", password = StudioAppFactory.Password });
        right.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await right.Content.ReadAsStringAsync()).ShouldContain("LockedOut");
    }

    private sealed record BatchResultDto(long Inserted, long Updated, List<ItemErrorDto> Errors);

    private sealed record ItemErrorDto(int Item, string Reason);

    private sealed record CustomerPageDto(List<CustomerItemDto> Items, int Total);

    private sealed record CustomerItemDto(long Id, string? Email);

    private sealed record CustomerDto(long Id, string? Email, Dictionary<string, string> Attributes);

    private sealed record TokenDto(string AccessToken);
}
