using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Privacy;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Sending;
using CampaignStudio.Web.Features.Consent;
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
/// "Who is in a stored segment" has one answer: an erased customer is in no segment, whether the segment is a list
/// (a frozen snapshot) or a rule — at review, at launch, when frozen, exported or used as an experiment's audience.
/// </summary>
public sealed class SegmentMembershipTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private const int Customers = 12;
    private const int Erased = 3;

    [Fact]
    public async Task AnErasedCustomerIsCountedByNeitherAListSegmentNorTheSameRuleSegment()
    {
        var build = new CampaignTestBuilder(app.Services);
        var ids = await build.CustomersAsync("erased-members-", Customers, optedIn: Customers);
        var list = await build.SegmentAsync("Erased members (list)", ids);
        var rule = await RuleSegmentAsync("Erased members (rule)", "erased-members-");
        var template = await build.TemplateAsync("Erased members mail");
        var privacy = app.Services.GetRequiredService<CustomerPrivacy>();
        foreach (var id in ids.Take(Erased))
        {
            (await privacy.EraseAsync(id, "admin@demo.local")).ShouldBeTrue();
        }

        var fromList = await EverywhereAsync(list, template);
        var fromRule = await EverywhereAsync(rule, template);

        fromRule.ShouldBe(new Counts(Customers - Erased, Customers - Erased, Customers - Erased, Customers - Erased, Customers - Erased, Customers - Erased));
        fromList.ShouldBe(fromRule);
    }

    /// <summary>The segment's size as each feature sees it.</summary>
    private sealed record Counts(int Review, int ReviewMailable, int LaunchAudience, int Frozen, int Exported, int ExperimentAudience);

    private async Task<Counts> EverywhereAsync(int segmentId, int templateId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = AsMarketer(scope);
        var review = await services.GetRequiredService<CampaignService>().ReviewAsync(new CampaignDraft { Name = "Review", SegmentId = segmentId, TemplateId = templateId });

        // Scheduled for tomorrow, so the background worker leaves it alone and this test launches it.
        var campaignId = await new CampaignTestBuilder(app.Services).ScheduledCampaignAsync($"Launch {segmentId}", segmentId, templateId, at: app.Clock.GetUtcNow().UtcDateTime.AddDays(1));
        (await app.Services.GetRequiredService<CampaignLauncher>().LaunchAsync(campaignId, CancellationToken.None)).ShouldBeTrue();
        int launched;
        int frozen;
        await using (var db = await Db.CreateDbContextAsync())
        {
            var snapshot = (await db.Campaigns.SingleAsync(c => c.Id == campaignId)).SnapshotSegmentId!.Value;
            launched = await db.SegmentMembers.CountAsync(m => m.SegmentId == snapshot);
            var freeze = await services.GetRequiredService<SegmentService>().FreezeAsync(segmentId);
            frozen = await db.SegmentMembers.CountAsync(m => m.SegmentId == freeze);
        }

        using var csv = new MemoryStream();
        (await services.GetRequiredService<DataExportService>().WriteSegmentAsync(segmentId, csv)).ShouldBeTrue();
        var exported = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        var experimentAudience = await services.GetRequiredService<ExperimentService>().AudienceSizeAsync(segmentId);
        return new Counts(review.Audience, review.Mailable, launched, frozen, exported, experimentAudience);
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private async Task<int> RuleSegmentAsync(string name, string emailPart)
    {
        await using var db = await Db.CreateDbContextAsync();
        var rule = new SegmentRule { Root = new RuleCondition(F.Email, Contains) { Value = emailPart } };
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var segment = new Segment { Name = name, Kind = SegmentKind.Rule, RuleJson = SegmentRuleJson.Serialize(rule), CreatedBy = "test", CreatedAt = now, UpdatedAt = now };
        db.Segments.Add(segment);
        await db.SaveChangesAsync();
        return segment.Id;
    }

    private static IServiceProvider AsMarketer(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));
        return scope.ServiceProvider;
    }
}
