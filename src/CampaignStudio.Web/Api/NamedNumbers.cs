using System.Collections;
using System.Runtime.CompilerServices;
using CampaignStudio.Web.Features.Experiments;
using Microsoft.OpenApi;

namespace CampaignStudio.Web.Api;

/// <summary>
/// The experiments API writes a number it must not show (a hidden small arm's mean, a lift against a control of 0) as "NaN"
/// (<see cref="ExperimentsApi.Json"/>); the document's number pattern said digits only, so a client generated from it would
/// refuse such an answer. Every floating-point number inside a type those answers carry is documented as also "NaN",
/// "Infinity" or "-Infinity". The types are walked from the answers' bodies, so a new answer needs no list kept by hand.
/// </summary>
internal static class NamedNumbers
{
    private const string Literals = "NaN|-?Infinity";

    private static readonly ConditionalWeakTable<EndpointDataSource, IReadOnlySet<Type>> Walked = [];

    /// <summary>Every type whose properties appear inside an experiments-API answer.</summary>
    public static IReadOnlySet<Type> Owners(IServiceProvider services) =>
        services.GetService<EndpointDataSource>() is { } endpoints
            ? Walked.GetValue(endpoints, e => Walk(e.Endpoints.SelectMany(x => x.Metadata.OfType<ExperimentsJsonBody>()).Select(b => b.Type)))
            : new HashSet<Type>();

    /// <summary>A float or double (or a list of them) also allows the named literals.</summary>
    public static void Allow(OpenApiSchema schema, Type type)
    {
        if (IsFloating(type))
        {
            Widen(schema);
        }
        else if (ElementOf(type) is { } element && IsFloating(element) && schema.Items is OpenApiSchema items)
        {
            Widen(items);
        }
    }

    private static void Widen(OpenApiSchema schema)
    {
        schema.Type = (schema.Type ?? JsonSchemaType.Number) | JsonSchemaType.String;
        var numbers = schema.Pattern?.TrimStart('^').TrimEnd('$');
        schema.Pattern = numbers is null ? $"^(?:{Literals})$" : $"^(?:{numbers}|{Literals})$";
    }

    private static bool IsFloating(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(double) || t == typeof(float));

    private static Type? ElementOf(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)
            ? null
            : type.IsArray ? type.GetElementType() : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static IReadOnlySet<Type> Walk(IEnumerable<Type> bodies)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(bodies);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            // Numbers, strings, dates and enums hold no properties of their own; the framework's lists hold what is walked next.
            if (type.IsEnum || (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true && ElementOf(type) is null))
            {
                continue;
            }

            if (ElementOf(type) is { } element)
            {
                // A list or a dictionary: what it holds (a dictionary's pairs lead to its values).
                pending.Push(element.IsGenericType && element.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) ? element.GetGenericArguments()[1] : element);
                continue;
            }

            if (!seen.Add(type))
            {
                continue;
            }

            for (var declaring = type.BaseType; declaring is not null && declaring != typeof(object); declaring = declaring.BaseType)
            {
                seen.Add(declaring);
            }

            foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
            {
                pending.Push(property.PropertyType);
            }
        }

        return seen;
    }
}
