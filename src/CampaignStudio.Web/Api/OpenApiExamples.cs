using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace CampaignStudio.Web.Api;

/// <summary>Named examples on an endpoint's JSON request body in the OpenAPI document, so the reference UI and generated clients show a body that works.</summary>
public static class OpenApiExamples
{
    public static RouteHandlerBuilder WithRequestExamples(this RouteHandlerBuilder builder, params (string Name, string Summary, string Json)[] examples) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            Add(operation.RequestBody?.Content, "application/json", examples);
            return Task.CompletedTask;
        });

    public static void Add(IDictionary<string, OpenApiMediaType>? content, string mediaType, params (string Name, string Summary, string Json)[] examples)
    {
        if (content?.TryGetValue(mediaType, out var media) != true || media is null)
        {
            return;
        }

        media.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var (name, summary, json) in examples)
        {
            media.Examples[name] = new OpenApiExample { Summary = summary, Value = JsonNode.Parse(json) };
        }
    }
}
