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
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, _, _) =>
        {
            WithoutNullInEnum(schema);
            return Task.CompletedTask;
        });
        options.AddExamples();
        return options;
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
