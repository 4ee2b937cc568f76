using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using CampaignStudio.TestSupport.Web;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The committed OpenAPI document (docs/api/openapi-v1.json) is the one the studio serves, and it is valid; the generated
/// client in this project is built from that file, so a client test through it proves the live API. After changing an
/// endpoint, regenerate the file with <c>UPDATE_OPENAPI=1 dotnet test tests/CampaignStudio.Web.Tests --filter OpenApiDocumentTests</c>.
/// </summary>
public sealed class OpenApiDocumentTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    public static string CommittedPath => typeof(OpenApiDocumentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "OpenApiDocument").Value!;

    [Fact]
    public async Task TheServedDocumentIsTheCommittedOne()
    {
        var live = Normalize(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, live);
        }

        var committed = File.Exists(CommittedPath) ? await File.ReadAllTextAsync(CommittedPath) : "";
        committed.ReplaceLineEndings("\n").ShouldBe(live,
            "the API changed: regenerate docs/api/openapi-v1.json with UPDATE_OPENAPI=1 dotnet test tests/CampaignStudio.Web.Tests --filter OpenApiDocumentTests");
    }

    [Fact]
    public async Task TheDocumentReadsAndValidatesWithoutErrors()
    {
        var text = await app.CreateClient().GetStringAsync("/openapi/v1.json");

        var settings = new OpenApiReaderSettings();
        settings.AddJsonReader();
        var (document, diagnostic) = OpenApiDocument.Parse(text, "json", settings);

        document.ShouldNotBeNull();
        diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}").ShouldBeEmpty();
        document.Validate(ValidationRuleSet.GetDefaultRuleSet())!.Select(e => $"{e.Pointer}: {e.Message}").ShouldBeEmpty();
        document.Paths.Keys.ShouldContain("/api/campaigns/{id}/results");
    }

    [Fact]
    public async Task EveryApiOperationHasASummaryAndTheMainBodiesHaveExamples()
    {
        using var json = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var paths = json.RootElement.GetProperty("paths");
        var unsummarised = paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal) && !p.Name.StartsWith("/api/auth", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Operation: o.Value)))
            .Where(o => !o.Operation.TryGetProperty("summary", out var s) || string.IsNullOrWhiteSpace(s.GetString()))
            .Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}");
        unsummarised.ShouldBeEmpty();

        foreach (var (path, method) in new[]
                 {
                     ("/api/segments", "post"), ("/api/segments/preview", "post"), ("/api/segments/{id}", "put"),
                     ("/api/campaigns", "post"), ("/api/campaigns/review", "post"),
                 })
        {
            var examples = paths.GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("examples");
            examples.EnumerateObject().ShouldNotBeEmpty($"{method} {path}");
        }
    }

    /// <summary>Indented, "\n" line ends, a final newline: the form the committed file has, so a diff shows what changed.</summary>
    private static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";
}
