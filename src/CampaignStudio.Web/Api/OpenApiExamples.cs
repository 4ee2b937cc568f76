using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CampaignStudio.Web.Api;

/// <summary>
/// The one home of the OpenAPI document's examples. Each request and response type has its named examples here, keyed by its
/// schema's name (the type's name, so <c>nameof</c> keeps an example with its type); a form upload, which has no schema of
/// its own, has them by route. One document transformer writes each example once under components/examples and refers to it
/// from every body that sends or answers that type (a list answer gets a list of the type's first example), so no endpoint
/// carries examples of its own. OpenApiExampleTests proves that every example matches its schema and that the create and
/// preview examples are accepted by a real studio.
/// </summary>
public static partial class OpenApiExamples
{
    /// <summary>One named example: what a marketer would send or get back, as JSON.</summary>
    public sealed record Example(string Name, string Summary, string Json);

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<Example>>> Catalog = new(() =>
        new[] { People(), Segments(), Templates(), Campaigns(), Flows(), Experiments(), Settings(), Operations(), Identity(), Problems() }
            .SelectMany(area => area)
            .ToDictionary(e => e.Schema, e => (IReadOnlyList<Example>)e.Examples, StringComparer.Ordinal));

    /// <summary>Examples by schema name (the request or response type's name).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<Example>> BySchema => Catalog.Value;

    /// <summary>
    /// Examples of bodies that have no type of their own, by route: a form upload by "METHOD /route", an answer that is a bare
    /// list of strings, a map or a number by "METHOD /route status", a CSV download by "METHOD /route status text/csv".
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<Example>> ByRoute { get; } = Routes().ToDictionary(e => e.Route, e => (IReadOnlyList<Example>)e.Examples, StringComparer.Ordinal);

    public static OpenApiOptions AddExamples(this OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        Attach(document);
        return Task.CompletedTask;
    });

    /// <summary>Puts the examples of every body's type (or form route) on that body, each example written once under components/examples.</summary>
    public static void Attach(OpenApiDocument document)
    {
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var route = $"{method.Method.ToUpperInvariant()} {path}";
                foreach (var (type, media) in operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
                {
                    AttachTo(document, media, route, type);
                }

                foreach (var (status, response) in operation.Responses ?? [])
                {
                    foreach (var (type, media) in response.Content ?? new Dictionary<string, OpenApiMediaType>())
                    {
                        AttachTo(document, media, $"{route} {status}", type);
                    }
                }
            }
        }
    }

    private static void AttachTo(OpenApiDocument document, OpenApiMediaType media, string route, string mediaType)
    {
        // A body that is not JSON (a CSV download) is keyed by its media type too: one answer may come as JSON or CSV.
        var (key, examples, asList) = SchemaName(media.Schema) is var (name, list) && name is not null && BySchema.TryGetValue(name, out var found)
            ? (name, found, list)
            : ByRoute.TryGetValue($"{route} {mediaType}", out var byType)
                ? (RouteKey($"{route} {mediaType}"), byType, false)
                : ByRoute.TryGetValue(route, out var byRoute)
                    ? (RouteKey(route), byRoute, false)
                    : (null, null, false);
        if (key is null || examples is null)
        {
            return;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Examples ??= new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        media.Examples ??= new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        foreach (var example in asList ? examples.Take(1) : examples)
        {
            var id = asList ? $"{key}.list" : $"{key}.{example.Name}";
            if (!document.Components.Examples.ContainsKey(id))
            {
                var value = JsonNode.Parse(example.Json);
                document.Components.Examples[id] = new OpenApiExample
                {
                    Summary = asList ? "A list of: " + char.ToLowerInvariant(example.Summary[0]) + example.Summary[1..] : example.Summary,
                    Value = asList ? new JsonArray(value) : value,
                };
            }

            media.Examples[asList ? "list" : example.Name] = new OpenApiExampleReference(id, document);
        }
    }

    /// <summary>"POST /api/imports" → "PostApiImports": a components/examples name (letters, digits, dots, dashes and underscores only).</summary>
    private static string RouteKey(string route) => string.Concat(route.Split(' ', '/', '{', '}', '-', '.', ';', '=').Where(p => p.Length > 0)
        .Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>The referenced type of a body: itself, a list of it, or "it or null".</summary>
    private static (string? Name, bool List) SchemaName(IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchemaReference reference => (reference.Reference.Id, false),
        OpenApiSchema { Items: OpenApiSchemaReference items } array when array.Type?.HasFlag(JsonSchemaType.Array) == true => (items.Reference.Id, true),
        OpenApiSchema { OneOf: { Count: 2 } either } => either.OfType<OpenApiSchemaReference>().Select(r => ((string?)r.Reference.Id, false)).FirstOrDefault(),
        _ => (null, false),
    };
}
