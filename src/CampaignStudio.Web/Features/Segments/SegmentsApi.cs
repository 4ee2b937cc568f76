using CampaignStudio.Domain.Segments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Segments;

/// <summary>The rule builder's helpers over HTTP: the same pick lists the builder offers for city, country and bought category.</summary>
public static class SegmentsApi
{
    public static RouteGroupBuilder MapSegmentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/segments").WithTags("Segments");

        group.MapGet("/suggestions", SuggestionsAsync)
            .WithSummary("Values for a city, country or bought-category condition that contain the search text (any case), most frequent first; "
                + "counted after each import, so a value typed freely is always allowed too.");

        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<string>>, ProblemHttpResult>> SuggestionsAsync(string field, string? search, int? take, SegmentService segments, CancellationToken ct)
    {
        if (!SuggestedValue.Fields.Contains(field))
        {
            return TypedResults.Problem($"Suggestions exist for the fields {string.Join(", ", SuggestedValue.Fields)}, not '{(field.Length > 40 ? field[..40] + "…" : field)}'.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await segments.SuggestValuesAsync(field, search, take ?? Data.Segments.SuggestedValueStore.MaxSuggestions, ct));
    }
}
