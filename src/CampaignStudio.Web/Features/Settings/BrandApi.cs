using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>The brand over HTTP: the twin of Settings → Brand, with the same service and role checks.</summary>
public static class BrandApi
{
    public static RouteGroupBuilder MapBrandApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/brand", GetAsync)
            .WithSummary("The brand block e-mails are built with: primaryColor (buttons, links), textColor, backgroundColor (around the content), contentColor " +
                "(behind it) as #rrggbb, bodyFont and headingFont (one of `fonts`), logoUrl (https, or /assets/images/… from the image library). Every role.");
        settings.MapPut("/brand", SaveAsync).RequireAuthorization(Policies.CanEdit)
            .WithSummary("Sets the brand, {\"primaryColor\":\"#1565c0\",\"textColor\":\"#222222\",\"backgroundColor\":\"#f2f4f7\",\"contentColor\":\"#ffffff\"," +
                "\"bodyFont\":\"Arial\",\"headingFont\":\"Georgia\",\"logoUrl\":null}. A block template takes it when it is next saved. 400 with the reason " +
                "otherwise. Admin or Marketer.");
        return api;
    }

    public static async Task<Ok<BrandBody>> GetAsync(BrandService brand, CancellationToken ct) => TypedResults.Ok(BrandBody.From(await brand.GetAsync(ct)));

    public static async Task<Results<Ok<BrandBody>, ProblemHttpResult>> SaveAsync(BrandBody body, BrandService brand, CancellationToken ct)
    {
        try
        {
            await brand.SaveAsync(body.ToBrand(), ct);
            return TypedResults.Ok(BrandBody.From(await brand.GetAsync(ct)));
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(detail: ex.Message.Split(" (Parameter", 2)[0], statusCode: StatusCodes.Status400BadRequest);
        }
    }
}

/// <summary>The brand; colours as #rrggbb, fonts by name (<c>fonts</c> lists the choices).</summary>
public sealed record BrandBody(string PrimaryColor, string TextColor, string BackgroundColor, string ContentColor, string BodyFont, string HeadingFont, string? LogoUrl,
    IReadOnlyList<string>? Fonts = null)
{
    public static BrandBody From(BrandStyle b) =>
        new(b.PrimaryColor, b.TextColor, b.BackgroundColor, b.ContentColor, b.BodyFont, b.HeadingFont, b.LogoUrl, [.. BrandStyle.Fonts.Keys]);

    public BrandStyle ToBrand() => new(PrimaryColor ?? "", TextColor ?? "", BackgroundColor ?? "", ContentColor ?? "", BodyFont ?? "", HeadingFont ?? "",
        string.IsNullOrWhiteSpace(LogoUrl) ? null : LogoUrl.Trim());
}
