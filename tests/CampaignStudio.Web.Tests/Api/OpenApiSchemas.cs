using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// The JSON schemas of an OpenAPI 3.1 document (JSON Schema 2020-12), ready to check a body against: a body's schema with every
/// component schema beside it as <c>$defs</c>. Checks are strict: an object whose schema names its properties (and does not
/// allow others with additionalProperties) may carry no property it does not name, so a misspelt or stale property in an
/// example, or one the server sends but the document leaves out, is a failure and not a silent extra.
/// </summary>
public sealed class OpenApiSchemas(JsonObject document)
{
    private static int _built;

    private readonly JsonObject _defs = (JsonObject)Strict(document["components"]?["schemas"]?.DeepClone() as JsonObject ?? [])!;

    private readonly Dictionary<string, JsonSchema> _schemas = [];

    public JsonObject Document { get; } = document;

    /// <summary>Every operation of the document: method, path and the operation object.</summary>
    public IEnumerable<(string Method, string Path, JsonObject Operation)> Operations() =>
        Document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete")
            .Select(o => (o.Key.ToUpperInvariant(), p.Key, o.Value!.AsObject())));

    /// <summary>The examples of a media type by name, each resolved from components/examples when it is a reference.</summary>
    public IReadOnlyList<(string Name, JsonNode? Value)> Examples(JsonObject media)
    {
        var found = new List<(string, JsonNode?)>();
        if (media["example"] is { } single)
        {
            found.Add(("example", single));
        }

        foreach (var (name, example) in media["examples"]?.AsObject() ?? [])
        {
            var resolved = example?["$ref"]?.GetValue<string>() is { } reference
                ? Document["components"]!["examples"]![reference["#/components/examples/".Length..]]
                : example;
            found.Add((name, resolved?["value"]));
        }

        return found;
    }

    /// <summary>Why <paramref name="value"/> does not match the media type's schema; empty when it does.</summary>
    public IReadOnlyList<string> Problems(JsonObject media, JsonNode? value)
    {
        if (media["schema"] is not { } schemaNode)
        {
            return [];
        }

        var key = schemaNode.ToJsonString();
        if (!_schemas.TryGetValue(key, out var schema))
        {
            // The body's schema with every component beside it, in a registry of its own (so no two documents share a name).
            var id = new Uri($"https://openapi.campaignstudio.test/schemas/{Interlocked.Increment(ref _built)}");
            var root = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$id"] = id.ToString(), ["$defs"] = _defs.DeepClone() };
            foreach (var (keyword, part) in (JsonObject)Strict(schemaNode.DeepClone())!)
            {
                root[keyword] = part?.DeepClone();
            }

            schema = _schemas[key] = JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }, id);
        }

        using var instance = JsonDocument.Parse(value?.ToJsonString() ?? "null");
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
                .DefaultIfEmpty("does not match its schema")
                .ToList();
    }

    /// <summary>
    /// Points component references at $defs and closes every object schema that lists its properties (or is an allOf of parts
    /// that do: then the whole is closed, not each part, which would refuse the other parts' properties).
    /// </summary>
    private static JsonNode? Strict(JsonNode? node, bool close = true)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (key == "$ref" && child?.GetValue<string>() is { } reference)
                    {
                        obj["$ref"] = reference.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                    }
                    else if (key == "allOf" && child is JsonArray parts)
                    {
                        foreach (var part in parts)
                        {
                            Strict(part, close: false);
                        }
                    }
                    else
                    {
                        Strict(child);
                    }
                }

                if (close && (obj.ContainsKey("properties") || obj.ContainsKey("allOf")) && !obj.ContainsKey("additionalProperties") && !obj.ContainsKey("unevaluatedProperties"))
                {
                    obj["unevaluatedProperties"] = false;
                }

                return obj;
            case JsonArray array:
                foreach (var item in array)
                {
                    Strict(item);
                }

                return array;
            default:
                return node;
        }
    }
}
