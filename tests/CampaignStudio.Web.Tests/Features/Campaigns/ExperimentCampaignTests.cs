using System.Security.Claims;
using CampaignStudio.Analytics.Uplift;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Sending;
using CampaignStudio.Web.Features.Campaigns;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CampaignStudio.Web.Tests.Features.Campaigns;

/// <summary>
/// Experiment campaigns through the real host, database and SMTP server: a "no message" control is a design, not a missing
/// template; the review counts only who will be mailed, arm by arm; the fairness audit compares real groups only.
/// </summary>
public abstract class ExperimentCampaignTests(SmtpStudio studio)
{
    public sealed class OnSqlite(SqliteSmtpStudio studio) : ExperimentCampaignTests(studio), IClassFixture<SqliteSmtpStudio>;

    public sealed class OnPostgres(PostgresSmtpStudio studio) : ExperimentCampaignTests(studio), IClassFixture<PostgresSmtpStudio>;

    private IServiceProvider Services => studio.App.Services;

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private CampaignTestBuilder Build => new(Services);

    private DateTime Now => studio.App.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task AnExperimentWhoseControlGetsNoMessageIsReviewedLaunchedAndMailsOnlyItsMailArmWhileEveryArmIsMeasured()
    {
        var ids = await Build.CustomersAsync("nomsg", 90, optedIn: 80);
        var segment = await Build.SegmentAsync("No-message audience", ids);
        var offer = await Build.TemplateAsync("Offer mail", subject: "Our offer");
        var experiment = new Experiment
        {
            Name = "Does the offer sell?", AssignmentSalt = "salt-no-message", CreatedBy = "test", CreatedAt = Now, Source = ExperimentSource.Campaign,
            Variants =
            [
                new Variant { Name = "Control", IsControl = true, SortOrder = 0 },
                new Variant { Name = "Offer", EmailTemplateId = offer, SortOrder = 1 },
                new Variant { Name = ExperimentService.HoldoutArmName, IsHoldout = true, Weight = 0.25, SortOrder = 2 },
            ],
        };
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }

        // Each opted-in customer's arm: the same hash the launch will use.
        var variants = experiment.Variants.OrderBy(v => v.SortOrder).ToList();
        var expected = ids.Take(80).GroupBy(id => VariantPicker.Pick(experiment.AssignmentSalt, id, variants).Name).ToDictionary(g => g.Key, g => g.Count());
        expected.Keys.Order().ShouldBe(["Control", ExperimentService.HoldoutArmName, "Offer"]);

        await using var scope = Services.CreateAsyncScope();
        var campaigns = AsMarketer(scope);
        var option = (await campaigns.ChoicesAsync()).Experiments.Single(e => e.Id == experiment.Id);

        // As the wizard leaves the draft: every arm but the holdout has an entry, and the control's is "no message".
        var draft = new CampaignDraft
        {
            Name = "Offer or nothing", SegmentId = segment, ExperimentId = experiment.Id, Variants = option.Variants,
            VariantTemplates = option.Variants.Where(v => !v.IsHoldout).ToDictionary(v => v.Id, v => v.TemplateId),
        };
        var review = await campaigns.ReviewAsync(draft);

        review.Problems.ShouldBeEmpty();
        (review.Audience, review.Mailable, review.Suppressed).ShouldBe((90, 80, 10));
        review.WillBeMailed.ShouldBe(expected["Offer"]);
        review.NotMailedByDesign.ShouldBe(80 - expected["Offer"]);
        review.Arms.Select(a => (a.Name, a.Customers, a.TemplateName)).ShouldBe(
        [
            ("Control", expected["Control"], (string?)null),
            ("Offer", expected["Offer"], "Offer mail"),
            (ExperimentService.HoldoutArmName, expected[ExperimentService.HoldoutArmName], null),
        ]);
        review.Contents.Select(c => c.Label).ShouldBe(["variant “Offer”"]);

        // The fairness audit selects who will be mailed, not everyone who may be.
        review.Fairness.ShouldAllBe(f => f.Report.Groups.Sum(g => g.Selected) == expected["Offer"]);

        var launched = await campaigns.LaunchAsync(draft);
        launched.Problems.ShouldBeEmpty();
        var campaignId = launched.CampaignId!.Value;
        await DrainAsync(campaignId);

        var mail = studio.Smtp.MessagesOf(campaignId);
        mail.Count.ShouldBe(expected["Offer"]);
        mail.ShouldAllBe(m => m.Subject == "Our offer");
        var progress = (await campaigns.ProgressAsync(campaignId))!;
        (progress.Campaign.Status, progress.Sent, progress.Suppressed).ShouldBe((CampaignStatus.Completed, expected["Offer"], 10));

        long controlCustomer, offerCustomer;
        await using (var db = await Db.CreateDbContextAsync())
        {
            var assigned = await db.Assignments.Where(a => a.ExperimentId == experiment.Id).Join(db.Variants, a => a.VariantId, v => v.Id, (a, v) => new { a.CustomerId, v.Name })
                .ToListAsync();
            assigned.Count.ShouldBe(80);
            assigned.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.Count()).ShouldBe(expected, ignoreOrder: true);
            var mailed = await db.Messages.Where(m => m.CampaignId == campaignId && m.Status == MessageStatus.Sent).Select(m => m.CustomerId).ToListAsync();
            mailed.Order().ShouldBe(assigned.Where(a => a.Name == "Offer").Select(a => a.CustomerId!.Value).Order());
            (await db.Experiments.SingleAsync(e => e.Id == experiment.Id)).Status.ShouldBe(ExperimentStatus.Running);
            controlCustomer = assigned.First(a => a.Name == "Control").CustomerId!.Value;
            offerCustomer = assigned.First(a => a.Name == "Offer").CustomerId!.Value;

            // A purchase in each arm after the send.
            db.Purchases.AddRange(
                new Purchase { CustomerId = controlCustomer, Amount = 30m, PurchasedAt = Now.AddMinutes(1), SourceKey = "nomsg-control" },
                new Purchase { CustomerId = offerCustomer, Amount = 45m, PurchasedAt = Now.AddMinutes(1), SourceKey = "nomsg-offer" });
            await db.SaveChangesAsync();
        }

        // The campaign's results name every arm; the ones that got no mail say so.
        var results = await campaigns.ResultsAsync(campaignId);
        results.Select(r => (r.Variant, r.NoMessage, r.Sent)).ShouldBe(
            [("Control", true, 0), ("Offer", false, expected["Offer"]), (ExperimentService.HoldoutArmName, true, 0)]);
        results.Select(r => r.Customers).ShouldBe([expected["Control"], expected["Offer"], expected[ExperimentService.HoldoutArmName]]);

        // The experiment measures every arm, the no-message control included.
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(Marketer);
        (await scope.ServiceProvider.GetRequiredService<ExperimentOutcomeService>().FillAsync(experiment.Id)).ShouldBe(80);
        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(experiment.Id, PrimaryMetric.Conversion, useCuped: false);
        var control = readout.Analysis!.Arms[0];
        (control.Name, control.IsControl, control.N).ShouldBe(("Control", true, (long)expected["Control"]));
        control.Mean.ShouldBe(1.0 / expected["Control"], 1e-12);
        readout.Analysis.Arms.Single(a => a.Name == "Offer").Mean.ShouldBe(1.0 / expected["Offer"], 1e-12);
    }

    [Fact]
    public async Task AnExperimentWhoseEveryArmGetsNoMessageCannotLaunch()
    {
        var ids = await Build.CustomersAsync("silent", 6, optedIn: 6);
        var segment = await Build.SegmentAsync("Silent audience", ids);
        var experiment = new Experiment
        {
            Name = "Nothing to send", AssignmentSalt = "salt-silent", CreatedBy = "test", CreatedAt = Now, Source = ExperimentSource.Campaign,
            Variants = [new Variant { Name = "A", IsControl = true, SortOrder = 0 }, new Variant { Name = "B", SortOrder = 1 }],
        };
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
        }

        await using var scope = Services.CreateAsyncScope();
        var campaigns = AsMarketer(scope);
        var option = (await campaigns.ChoicesAsync()).Experiments.Single(e => e.Id == experiment.Id);
        var draft = new CampaignDraft
        {
            Name = "Silent", SegmentId = segment, ExperimentId = experiment.Id, Variants = option.Variants,
            VariantTemplates = option.Variants.ToDictionary(v => v.Id, v => (int?)null),
        };

        var result = await campaigns.LaunchAsync(draft);

        result.CampaignId.ShouldBeNull();
        result.Problems.ShouldContain("Give at least one arm an e-mail: every arm of this experiment gets no message.");
    }

    [Fact]
    public async Task TheFairnessAuditListsCustomersWithoutAValueAndSmallGroupsButComparesOnlyTheOthers()
    {
        // 20 of group a and 18 of 20 of group b are mailed; 3 customers of group c and 30 without a gender are not.
        var ids = await Build.CustomersAsync("unknown", 73, optedIn: 73);
        await using (var db = await Db.CreateDbContextAsync())
        {
            foreach (var customer in await db.Customers.Where(c => ids.Contains(c.Id)).ToListAsync())
            {
                var i = ids.IndexOf(customer.Id);
                customer.Gender = i < 20 ? "ug-a" : i < 40 ? "ug-b" : i < 43 ? "ug-c" : null;
            }

            await db.SaveChangesAsync();
        }

        var segment = await Build.SegmentAsync("Known genders", ids.Take(38));
        var template = await Build.TemplateAsync("Fair mail");
        await using var scope = Services.CreateAsyncScope();

        var review = await AsMarketer(scope).ReviewAsync(new CampaignDraft { Name = "Fair?", SegmentId = segment, TemplateId = template });

        var gender = review.Fairness.Single(f => f.Attribute == "Gender").Report;
        var notGiven = gender.Groups.Single(g => g.Group == FairnessCheck.NotGiven);
        (notGiven.Selected, notGiven.Excluded).ShouldBe((0, FairnessExclusion.NotGiven));
        notGiven.N.ShouldBeGreaterThanOrEqualTo(30);
        gender.Groups.Single(g => g.Group == "ug-c").Excluded.ShouldBe(FairnessExclusion.SmallGroup);
        gender.Compared.Select(g => g.Group).ShouldBe(["ug-a", "ug-b"]);
        gender.DisparateImpactRatio.ShouldBe(0.9, 1e-12);
        gender.Flagged.ShouldBeFalse();
        review.Fairness.ShouldAllBe(f => !f.Report.Flagged);
    }

    private static ClaimsPrincipal Marketer => new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "marketer@demo.local"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test"));

    private static CampaignService AsMarketer(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(Marketer);
        return scope.ServiceProvider.GetRequiredService<CampaignService>();
    }

    private Task DrainAsync(int campaignId) => SendPasses.DrainAsync(Services, campaignId);
}
