using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CampaignStudio.Data.Settings;
using CampaignStudio.TestSupport.Web;
using MimeKit;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The examples of the OpenAPI document prove themselves: every body has one, each matches its own schema (strictly: no
/// property the schema does not name), and the create and preview examples, sent to a real studio in the order a shop would
/// (customers, their orders and events, a segment, a template, a campaign), are accepted, and the answers match the
/// documented answer schemas. An example names ids as a shop would see them (segment 12, template 3, customer 1042); the
/// studio gives new ids, so each id in a request is read as "the thing an earlier example created" and sent as the studio's id.
/// </summary>
public sealed class OpenApiExampleTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>ASP.NET Identity's own endpoints (MapIdentityApi) declare an empty 200 (confirmEmail answers a sentence as text); the studio does not write them.</summary>
    private static readonly HashSet<string> IdentitysOwn = new(StringComparer.Ordinal)
    {
        "GET /api/auth/confirmEmail", "POST /api/auth/resendConfirmationEmail", "POST /api/auth/forgotPassword", "POST /api/auth/resetPassword",
    };

    [Fact]
    public async Task EveryOperationSaysWhatItAnswersWhenItSucceeds()
    {
        var schemas = new OpenApiSchemas(await DocumentAsync());
        var untyped = new List<string>();
        foreach (var (method, path, operation) in schemas.Operations())
        {
            var responses = operation["responses"]?.AsObject() ?? [];
            // A success with a body says its body; one without says 204. A form post of a page answers with a redirect.
            var typed = responses.Any(r => r.Key.StartsWith('2') && (r.Key == "204" || r.Value?["content"]?.AsObject().Count > 0))
                || (responses.Count > 0 && responses.All(r => r.Key.StartsWith('3')));
            if (!typed && !IdentitysOwn.Contains($"{method} {path}"))
            {
                untyped.Add($"{method} {path} ({string.Join(", ", responses.Select(r => r.Key))})");
            }
        }

        untyped.ShouldBeEmpty("operations whose success the document does not describe: return TypedResults (or ExperimentAnswer), or say .Produces<T>() / .ProducesCsv()");
    }

    [Fact]
    public async Task EveryBodyHasAnExampleAndEveryExampleMatchesItsSchema()
    {
        var schemas = new OpenApiSchemas(await DocumentAsync());
        var missing = new List<string>();
        var wrong = new List<string>();
        foreach (var (method, path, operation) in schemas.Operations())
        {
            foreach (var (mediaType, media) in operation["requestBody"]?["content"]?.AsObject() ?? [])
            {
                Check($"{method} {path} request {mediaType}", media!.AsObject(), required: true);
            }

            foreach (var (status, response) in operation["responses"]?.AsObject() ?? [])
            {
                foreach (var (mediaType, media) in response?["content"]?.AsObject() ?? [])
                {
                    // Success answers need an example (JSON or CSV); problem answers share the one ProblemDetails example, checked where they have it.
                    Check($"{method} {path} {status} {mediaType}", media!.AsObject(), required: status.StartsWith('2'));
                }
            }
        }

        missing.ShouldBeEmpty("bodies without an example: add one to OpenApiExamples (by the type's name, or by route)");
        wrong.ShouldBeEmpty("examples that do not match their schema");

        void Check(string where, JsonObject media, bool required)
        {
            var examples = schemas.Examples(media);
            if (examples.Count == 0 && required)
            {
                missing.Add(where);
            }

            foreach (var (name, value) in examples)
            {
                wrong.AddRange(schemas.Problems(media, value).Select(p => $"{where} example '{name}': {p}"));
            }
        }
    }

    [Fact]
    public async Task TheCreateAndPreviewExamplesAreAcceptedByARealStudioAndItsAnswersMatchTheDocument()
    {
        var schemas = new OpenApiSchemas(await DocumentAsync());
        await CampaignTestBuilder.SenderAsync(app.Services.GetRequiredService<SenderIdentityStore>());
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("admin@demo.local"));
        var ids = new ExampleIds();

        // The shop's data first: customers, their orders and what they did.
        await SendAsync("POST", "/api/customers/batch");
        await SendAsync("POST", "/api/purchases/batch");
        await SendAsync("POST", "/api/events/batch");
        await SendAsync("POST", "/api/events");
        await SendAsync("POST", "/api/products/batch");
        await SendAsync("POST", "/api/imports");

        // Anna (customer 1042 in the examples) signs up by double opt-in and clicks the link in the e-mail she receives.
        var anna = (await http.GetFromJsonAsync<JsonObject>("/api/customers?search=anna.schmidt@example.com"))!["items"]![0]!["id"]!.GetValue<long>();
        ids.Learn("customer", 1042, anna);
        await SendAsync("POST", "/api/customers/{id}/consent/double-opt-in", pathId: anna);
        var confirm = Regex.Match(MailTo("anna.schmidt@example.com").TextBody ?? "", "https?://[^/\\s]+(/confirm/[A-Za-z0-9_%-]+)").Groups[1].Value;
        confirm.ShouldNotBeEmpty();
        (await app.CreateClient(new() { AllowAutoRedirect = false }).PostAsync(confirm, null)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        // A segment counted, then saved; a template saved, rendered for Anna and sent as a test.
        await SendAsync("POST", "/api/segments/preview");
        ids.Learn("segment", 12, (await SendAsync("POST", "/api/segments"))!["id"]!.GetValue<long>());
        ids.Learn("template", 3, (await SendAsync("POST", "/api/templates"))!["id"]!.GetValue<long>());
        await SendAsync("POST", "/api/templates/preview");
        await SendAsync("POST", "/api/templates/test-send");

        // The campaign: reviewed, then launched (the experiment example needs an experiment of the shop's own: not sent here).
        var review = await SendAsync("POST", "/api/campaigns/review", example: "template");
        review!["canLaunch"]!.GetValue<bool>().ShouldBeTrue(review.ToJsonString());
        await SendAsync("POST", "/api/campaigns", example: "template");

        // Automation and integration: a flow from a ready-made start and its draft rewritten, and a webhook endpoint for the shop.
        var flow = (await SendAsync("POST", "/api/flows"))!["id"]!.GetValue<long>();
        await SendAsync("PUT", "/api/flows/{id}/draft", pathId: flow);
        await SendAsync("POST", "/api/settings/webhooks");

        // Sends the operation's request example (the first, or the one named) and checks the answer against the document.
        async Task<JsonObject?> SendAsync(string method, string path, string? example = null, long? pathId = null)
        {
            var operation = schemas.Document["paths"]![path]![method.ToLowerInvariant()]!.AsObject();
            var (mediaType, media) = operation["requestBody"]!["content"]!.AsObject().First();
            var examples = schemas.Examples(media!.AsObject());
            examples.ShouldNotBeEmpty($"{method} {path} has a request example");
            var (name, value) = example is null ? examples[0] : examples.Single(e => e.Name == example);
            var body = ids.Rewrite(value!.DeepClone());

            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", pathId?.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                Content = mediaType == "multipart/form-data" ? Form(body!.AsObject(), media["schema"]!) : new StringContent(body!.ToJsonString(), Encoding.UTF8, mediaType),
            };
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            status.ShouldStartWith("2", customMessage: $"{method} {path} example '{name}' was refused: {text}");

            var documented = operation["responses"]![status];
            documented.ShouldNotBeNull($"{method} {path} answered {status}, which the document does not list");
            if (documented["content"]?["application/json"] is not JsonObject answer)
            {
                return null;
            }

            var json = JsonNode.Parse(text);
            schemas.Problems(answer, json).ShouldBeEmpty($"{method} {path} answered {text}");

            // A preview or a save may say yes (200) and still find a problem in the body: a true example has none.
            foreach (var said in new[] { "error", "errors", "unfinished", "problems" })
            {
                if (json?[said] is { } problem)
                {
                    (problem is JsonArray list ? list.Count == 0 : problem.GetValueKind() == JsonValueKind.Null).ShouldBeTrue($"{method} {path} example '{name}': {said} {problem.ToJsonString()}");
                }
            }

            return json as JsonObject;
        }
    }

    /// <summary>A form example as a multipart body: a binary field's example text is the file's content.</summary>
    private static MultipartFormDataContent Form(JsonObject example, JsonNode schema)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, value) in example)
        {
            if (value is null)
            {
                continue;
            }

            var text = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
            if (schema["properties"]?[field]?["format"]?.GetValue<string>() == "binary")
            {
                form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), field, "example.csv");
            }
            else
            {
                form.Add(new StringContent(text), field);
            }
        }

        return form;
    }

    private async Task<JsonObject> DocumentAsync() => JsonNode.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"))!.AsObject();

    /// <summary>The mail the pickup transport wrote for an address (the test studio's outbox), waiting until it is there.</summary>
    private MimeMessage MailTo(string address)
    {
        var outbox = Path.Combine(app.DataFolder, "outbox");
        return Directory.Exists(outbox)
            ? Directory.GetFiles(outbox, "*.eml", SearchOption.AllDirectories).Select(f => MimeMessage.Load(f))
                .FirstOrDefault(m => m.To.Mailboxes.Any(a => a.Address == address)) ?? throw new ShouldAssertException($"no mail to {address} in {outbox}")
            : throw new ShouldAssertException($"no outbox at {outbox}");
    }

    /// <summary>The example ids (segment 12, template 3, customer 1042) and the ids the studio gave the things the examples created.</summary>
    private sealed class ExampleIds
    {
        private static readonly Dictionary<string, string> Kinds = new(StringComparer.Ordinal)
        {
            ["segmentId"] = "segment", ["templateId"] = "template", ["customerId"] = "customer", ["experimentId"] = "experiment",
        };

        private readonly Dictionary<(string Kind, long Example), long> _real = [];

        public void Learn(string kind, long example, long real) => _real[(kind, example)] = real;

        public JsonNode? Rewrite(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                foreach (var (key, value) in obj.ToList())
                {
                    if (Kinds.TryGetValue(key, out var kind) && value?.GetValueKind() == JsonValueKind.Number)
                    {
                        obj[key] = _real.TryGetValue((kind, value.GetValue<long>()), out var real) ? real
                            : throw new ShouldAssertException($"{key} {value} names no {kind} an earlier example created");
                    }
                    else
                    {
                        Rewrite(value);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                foreach (var item in array)
                {
                    Rewrite(item);
                }
            }

            return node;
        }
    }
}
