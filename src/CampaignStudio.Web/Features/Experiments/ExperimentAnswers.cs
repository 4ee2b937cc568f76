using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace CampaignStudio.Web.Features.Experiments;

/// <summary>
/// The experiments API's answers: JSON written with <see cref="ExperimentsApi.Json"/> (enums by name, NaN allowed), as
/// TypedResults.Json writes it, and documented: unlike a JsonHttpResult, the type says its status and body to the endpoint's
/// metadata, so the OpenAPI document shows the answer a client gets.
/// </summary>
public static class ExperimentAnswer
{
    public static ExperimentOk<T> Ok<T>(T value) => new(value);

    public static ExperimentCreated<T> Created<T>(T value) => new(value);
}

/// <summary>The value and the status, written in the experiments API's JSON; the subclass says the status to the document.</summary>
public abstract class ExperimentAnswer<T>(T value, int status) : IResult, IStatusCodeHttpResult, IValueHttpResult<T>
{
    public T Value => value;

    public int StatusCode => status;

    int? IStatusCodeHttpResult.StatusCode => status;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(value, ExperimentsApi.Json, statusCode: status).ExecuteAsync(httpContext);

    private protected static void Describe(EndpointBuilder builder, int status)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(T), ["application/json"]));
        builder.Metadata.Add(new ExperimentsJsonBody(typeof(T)));
    }
}

/// <summary>Endpoint metadata: this endpoint answers <paramref name="Type"/> in <see cref="ExperimentsApi.Json"/>, so the document can say what that JSON allows.</summary>
public sealed record ExperimentsJsonBody(Type Type);

/// <summary>200 with the value, in the experiments API's JSON.</summary>
public sealed class ExperimentOk<T>(T value) : ExperimentAnswer<T>(value, StatusCodes.Status200OK), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status200OK);
}

/// <summary>201 with the value (what was created), in the experiments API's JSON.</summary>
public sealed class ExperimentCreated<T>(T value) : ExperimentAnswer<T>(value, StatusCodes.Status201Created), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Describe(builder, StatusCodes.Status201Created);
}
