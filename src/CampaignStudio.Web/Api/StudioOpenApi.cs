using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CampaignStudio.Web.Api;

/// <summary>The OpenAPI document's title, the one change that makes its multipart uploads readable by client generators, and its examples (<see cref="OpenApiExamples"/>).</summary>
public static class StudioOpenApi
{
    public static OpenApiOptions Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "CampaignStudio API";
            doc.Info.Description = "Everything the studio's screens do, with the same role checks: customers, imports, segments, templates, campaigns, experiments, "
                + "consent, flows and settings. Authenticate with a bearer token from /api/auth/login or an X-Api-Key header (created in Settings).";
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            FlattenMultipartForm(operation, context.Description.ParameterDescriptions.Where(p => p.IsRequired).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase));
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<CsvDownload>().Any())
            {
                AddCsvAnswer(operation);
            }

            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            WithoutNullInEnum(schema);
            if (Features.Experiments.ExperimentsApi.EnumsByName.Contains(context.JsonTypeInfo.Type))
            {
                ByName(schema, context.JsonTypeInfo.Type);
            }

            if (context.JsonPropertyInfo?.DeclaringType is { } owner && NamedNumbers.Owners(context.ApplicationServices).Contains(owner))
            {
                NamedNumbers.Allow(schema, context.JsonTypeInfo.Type);
            }

            return Task.CompletedTask;
        });
        options.AddExamples();
        return options;
    }

    /// <summary>
    /// A CSV download: 200 as text/csv, a string in the document, beside any other form of the same answer (a privacy export is
    /// JSON or CSV; Produces would keep only one per status). Its example (by route and media type) shows the header and a row.
    /// </summary>
    public static RouteHandlerBuilder ProducesCsv(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new CsvDownload());

    /// <summary>Marks an endpoint whose 200 answer is (also) a CSV file.</summary>
    private sealed class CsvDownload;

    private static void AddCsvAnswer(OpenApiOperation operation)
    {
        operation.Responses ??= [];
        if (!operation.Responses.TryGetValue("200", out var found) || found is not OpenApiResponse ok)
        {
            ok = new OpenApiResponse { Description = "OK" };
            operation.Responses["200"] = ok;
        }

        ok.Content ??= new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        ok.Content["text/csv"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }

    /// <summary>An enum the experiments API writes by name (<see cref="Features.Experiments.ExperimentsApi.Json"/>) is a string of its names in the document, as on the wire.</summary>
    private static void ByName(OpenApiSchema schema, Type type)
    {
        schema.Type = JsonSchemaType.String;
        schema.Format = null;
        schema.Enum = Enum.GetNames(Nullable.GetUnderlyingType(type) ?? type).Select(name => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(name)).ToList();
    }

    /// <summary>
    /// A nullable enum's schema lists null among its values, and every use of it is already "null or the enum" (oneOf): a null
    /// then matches both, which oneOf refuses, so the document said no to the null the API sends (OpenApiExampleTests found it
    /// on a flow step's verdict). The enum keeps its names; the use keeps saying it may be null.
    /// </summary>
    private static void WithoutNullInEnum(OpenApiSchema schema)
    {
        if (schema.Enum is { } values && values.Any(v => v is null || v.GetValueKind() == System.Text.Json.JsonValueKind.Null))
        {
            schema.Enum = values.Where(v => v is not null && v.GetValueKind() != System.Text.Json.JsonValueKind.Null).ToList();
        }
    }

    /// <summary>
    /// Form fields bound one by one (a file and a few strings) are described as an allOf of one-property objects, and the file
    /// as a reference to an "IFormFile" schema; NSwag and Kiota then lose the file. One object with the file inline as
    /// string/binary says the same thing in the form every generator reads.
    /// </summary>
    /// <remarks>Fields the handler takes as optional (nullable) are said to be optional and nullable, so a client may leave them out.</remarks>
    private static void FlattenMultipartForm(OpenApiOperation operation, IReadOnlySet<string> required)
    {
        if (operation.RequestBody?.Content?.TryGetValue("multipart/form-data", out var media) != true || media?.Schema is not OpenApiSchema { AllOf: { Count: > 0 } parts } form)
        {
            return;
        }

        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (name, schema) in part.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                var optional = required.Contains(name) ? 0 : JsonSchemaType.Null;
                properties[name] = schema switch
                {
                    OpenApiSchemaReference { Reference.Id: "IFormFile" } => new OpenApiSchema { Type = JsonSchemaType.String | optional, Format = "binary" },
                    OpenApiSchema { Type: { } type } inline => WithType(inline, type | optional),
                    _ => schema,
                };
            }
        }

        media.Schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = properties,
            Required = properties.Keys.Where(required.Contains).ToHashSet(StringComparer.Ordinal),
            Description = form.Description,
        };
    }

    private static OpenApiSchema WithType(OpenApiSchema schema, JsonSchemaType type)
    {
        schema.Type = type;
        return schema;
    }
}
