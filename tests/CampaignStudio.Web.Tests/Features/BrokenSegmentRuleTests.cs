using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Segments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Segments;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Features.Campaigns;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CampaignStudio.Domain.Segments.Rules.RuleOperators;
using F = CampaignStudio.Domain.Segments.Rules.RuleFields;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>
/// A rule that was valid when saved can stop being usable: a segment it refers to is deleted, or the rule comes from an
/// older version. Every place that compiles a stored rule says so in a sentence (4xx over HTTP), never with a 500.
/// </summary>
public sealed class BrokenSegmentRuleTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    public static TheoryData<string, string> BrokenRules => new()
    {
        // "Is in segment 999999": the segment it named was deleted after the rule was saved.
        { "Refers to a deleted segment", SegmentRuleJson.Serialize(new SegmentRule { Root = new RuleCondition(F.Segment, MemberOf) { Value = "999999" } }) },

        // A field an older version offered.
        { "From an older version", SegmentRuleJson.Serialize(new SegmentRule { Root = new RuleCondition(F.Country, EqualTo) { Value = "DE" } }).Replace("\"country\"", "\"shoe_size\"", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task ExportingASegmentWhoseStoredRuleNoLongerWorksIsA422ThatSaysWhy(string name, string ruleJson)
    {
        var id = await StoredSegmentAsync(name, ruleJson);
        var marketer = app.CreateClient();
        marketer.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync("marketer@demo.local"));

        var response = await marketer.GetAsync($"/api/segments/{id}/export.csv");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentDisposition.ShouldBeNull();
        var problem = await response.Content.ReadFromJsonAsync<ProblemDto>();
        problem!.Detail.ShouldStartWith($"The segment “{name}” cannot be used until its rule is fixed: ");
    }

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task TheCampaignReviewAndLaunchNameTheBrokenSegmentInsteadOfFailing(string name, string ruleJson)
    {
        var id = await StoredSegmentAsync(name + " (campaign)", ruleJson);
        var template = await new CampaignTestBuilder(app.Services).TemplateAsync("Broken segment mail");
        await using var scope = app.Services.CreateAsyncScope();
        var campaigns = As(scope, Roles.Marketer).GetRequiredService<CampaignService>();
        var draft = new CampaignDraft { Name = "To a broken segment", SegmentId = id, TemplateId = template };

        var review = await campaigns.ReviewAsync(draft);
        var launch = await campaigns.LaunchAsync(draft);

        review.Problems.ShouldContain(p => p.StartsWith($"The segment “{name} (campaign)” cannot be used until its rule is fixed: ", StringComparison.Ordinal));
        launch.CampaignId.ShouldBeNull();
        launch.Problems.ShouldBe(review.Problems);
    }

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task CountingOrFreezingTheSegmentSaysWhyItCannotBeUsed(string name, string ruleJson)
    {
        var id = await StoredSegmentAsync(name + " (count)", ruleJson);
        await using var scope = app.Services.CreateAsyncScope();
        var services = As(scope, Roles.Marketer);

        var count = await Should.ThrowAsync<SegmentRuleException>(() => services.GetRequiredService<ExperimentService>().AudienceSizeAsync(id));
        var freeze = await Should.ThrowAsync<SegmentRuleException>(() => services.GetRequiredService<SegmentService>().FreezeAsync(id));

        count.Message.ShouldStartWith($"The segment “{name} (count)” cannot be used until its rule is fixed: ");
        freeze.Message.ShouldBe(count.Message);
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private async Task<int> StoredSegmentAsync(string name, string ruleJson)
    {
        await using var db = await Db.CreateDbContextAsync();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var segment = new Segment { Name = name, Kind = SegmentKind.Rule, RuleJson = ruleJson, CreatedBy = "test", CreatedAt = now, UpdatedAt = now };
        db.Segments.Add(segment);
        await db.SaveChangesAsync();
        return segment.Id;
    }

    private static IServiceProvider As(AsyncServiceScope scope, string role)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, role.ToLowerInvariant() + "@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope.ServiceProvider;
    }

    private sealed record ProblemDto(int Status, string? Detail);
}
