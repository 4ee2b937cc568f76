using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace CampaignStudio.Data.Segments;

/// <summary>
/// Database functions the segment compiler uses inside LINQ. They exist only in queries: EF Core translates them to SQL,
/// calling them directly throws.
/// </summary>
public static class StudioDbFunctions
{
    /// <summary>
    /// The text of one custom attribute, read from the "AttributesJson" column in SQL (NULL when absent):
    /// SQLite <c>json_extract(AttributesJson, '$."key"')</c>, PostgreSQL <c>json_extract_path_text(AttributesJson::json, key)</c>.
    /// Takes the mapped dictionary so LINQ can name the column; the translation uses the column, never the dictionary.
    /// </summary>
    public static string? AttributeText(Dictionary<string, string> attributes, string key) =>
        throw new InvalidOperationException($"{nameof(AttributeText)} runs only inside an EF Core query.");

    /// <summary>
    /// SQL <c>lower()</c> on the database, for both sides of a text comparison: a C# <c>ToLower()</c> on a rule value would be
    /// evaluated in .NET, and .NET and the database do not fold the same letters (SQLite folds only A–Z).
    /// </summary>
    public static string? Lower(string? text) =>
        throw new InvalidOperationException($"{nameof(Lower)} runs only inside an EF Core query.");

    internal static void Register(ModelBuilder builder, bool sqlite)
    {
        var textStore = sqlite ? "TEXT" : "text";

        var lower = builder.HasDbFunction(typeof(StudioDbFunctions).GetMethod(nameof(Lower))!)
            .HasName("lower")
            .IsBuiltIn();
        if (!sqlite)
        {
            // lower() is NULL only for NULL: telling EF lets "country not in (...)" negate the compiler's IN list of
            // lower(@p) values, which EF otherwise rewrites for NULL items into invalid SQL on PostgreSQL.
            lower.IsNullable().HasParameter("text").PropagatesNullability();
        }

        var attributeText = builder.HasDbFunction(typeof(StudioDbFunctions).GetMethod(nameof(AttributeText))!);

        // The dictionary parameter has no type mapping of its own; it is the JSON text column underneath.
        // The result may be NULL with non-null arguments (a missing key), so nullability must not be "propagated":
        // EF Core would otherwise rewrite "AttributeText(...) IS NULL" to "AttributesJson IS NULL".
        attributeText.HasParameter("attributes").HasStoreType(textStore);
        attributeText.HasParameter("key").HasStoreType(textStore);
        attributeText.HasTranslation(args =>
        {
            var json = args[0];
            var key = args[1];
            var text = key.TypeMapping ?? new StringTypeMapping(textStore, System.Data.DbType.String);
            if (sqlite)
            {
                // '$."' || key || '"': the quotes keep dots and spaces in attribute names literal; the key itself is a parameter.
                var path = new SqlBinaryExpression(
                    ExpressionType.Add,
                    new SqlBinaryExpression(ExpressionType.Add, new SqlConstantExpression("$.\"", typeof(string), text), key, typeof(string), text),
                    new SqlConstantExpression("\"", typeof(string), text),
                    typeof(string),
                    text);
                return new SqlFunctionExpression("json_extract", [json, path], nullable: true, argumentsPropagateNullability: [false, false], typeof(string), text);
            }

            var asJson = new SqlUnaryExpression(ExpressionType.Convert, json, typeof(string), new StringTypeMapping("json", System.Data.DbType.String));
            return new SqlFunctionExpression("json_extract_path_text", [asJson, key], nullable: true, argumentsPropagateNullability: [false, false], typeof(string), text);
        });
    }
}
