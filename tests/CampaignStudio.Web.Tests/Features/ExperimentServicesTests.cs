using CampaignStudio.TestSupport;
using System.Security.Claims;
using CampaignStudio.Data;
using CampaignStudio.Data.Seed;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Segments;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Training.Uplift;
using CampaignStudio.Web.Features.Experiments;
using CampaignStudio.Web.Features.Experiments.Uplift;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Features;

/// <summary>The experiment services through the real host on the demo shop: design and start, outcomes, analysis, uplift, roles.</summary>
public sealed class ExperimentServicesTests(ExperimentServicesTests.DemoStudio app) : IClassFixture<ExperimentServicesTests.DemoStudio>
{
    public sealed class DemoStudio : StudioAppFactory
    {
        protected override int DemoCustomers => 8_000;
    }

    private AsyncServiceScope As(string role)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, $"{role.ToLowerInvariant()}@demo.local"), new Claim(ClaimTypes.Role, role)], "test")));
        return scope;
    }

    private async Task<int> DemoExperimentIdAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Experiments.Where(e => e.Name == DemoShopSeeder.ExperimentName).Select(e => e.Id).SingleAsync();
    }

    [Fact]
    public async Task TopThirtyPercentByPredictedUpliftCapturesClearlyMoreTrueIncrementalConversionsThanRandomTargeting()
    {
        await using var scope = As(Roles.Marketer);
        var uplift = scope.ServiceProvider.GetRequiredService<UpliftService>();
        var experimentId = await DemoExperimentIdAsync();

        var training = await uplift.StartAsync(experimentId, new UpliftRequest(NumberOfTrees: 60));
        await training;

        (await uplift.StatusAsync(experimentId))!.Error.ShouldBeNull();
        var result = (await uplift.ResultAsync(experimentId))!;
        result.Learners.Select(l => l.Key).ShouldBe(Learners.All);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var trueEffect = await db.Assignments.Where(a => a.ExperimentId == experimentId).ToDictionaryAsync(a => a.Id, a => a.TrueEffect!.Value);
        var effects = result.AssignmentIds.Select(id => trueEffect[id]).ToArray();

        // The seeder knows each customer's true effect (occasional buyers +7 points, regulars +3, loyal 0): compare what the selections would really add.
        foreach (var learner in new[] { Learners.TLearner, Learners.XLearner })
        {
            var selected = Analytics.Uplift.UpliftEvaluation.SelectTop(result.Scores[learner], 0.3);
            var captured = effects.Where((_, i) => selected[i]).Sum();
            var random = effects.Average() * selected.Count(s => s);
            var diag = string.Join("; ", effects.Select((e, i) => (e, s: result.Scores[learner][i], f: i)).GroupBy(x => x.e).Select(g => $"effect {g.Key}: n {g.Count()} mean score {g.Average(x => x.s):F4} sd {Math.Sqrt(g.Average(x => x.s * x.s) - Math.Pow(g.Average(x => x.s), 2)):F4} selected {g.Count(x => selected[x.f])}"));
            captured.ShouldBeGreaterThan(1.15 * random, $"{learner}: captured {captured:F1} vs random {random:F1}; {diag}; features {string.Join(",", result.FeatureNames)}");
        }

        result.Learners.Single(l => l.Key == result.BestLearner).Curves.QiniCoefficient.ShouldBeGreaterThan(0);

        // Targeting the top 30 % makes a segment of studio customers with a random holdout beside it.
        var segment = await uplift.CreateTargetSegmentAsync(experimentId, Learners.TLearner, 0.3, 0.1, "Likely persuadables");
        var members = await db.SegmentMembers.Where(m => m.SegmentId == segment.SegmentId).Select(m => m.CustomerId).ToListAsync();
        var held = await db.SegmentMembers.Where(m => m.SegmentId == segment.HoldoutSegmentId).Select(m => m.CustomerId).ToListAsync();
        (members.Count + held.Count).ShouldBeInRange((int)(0.3 * result.Count) - 1, (int)(0.3 * result.Count) + 1);
        members.Intersect(held).ShouldBeEmpty();
        ((double)held.Count / (members.Count + held.Count)).ShouldBeInRange(0.05, 0.15);
        (await db.Segments.SingleAsync(s => s.Id == segment.SegmentId)).Kind.ShouldBe(SegmentKind.Uplift);

        // The fairness panel's numbers come from the same scores.
        var fairness = UpliftService.Fairness(result, "gender", Learners.TLearner, 0.3);
        fairness.Groups.Sum(g => g.Selected).ShouldBe(members.Count + held.Count);

        // Scores CSV: one row per customer, every learner.
        await using var csv = new MemoryStream();
        (await uplift.WriteScoresCsvAsync(experimentId, csv)).ShouldBeTrue();
        var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).TrimEnd().Split('\n');
        lines[0].TrimEnd('\r').ShouldBe("row,customer_id,external_id,file_id,arm,outcome,uplift_t_learner,uplift_x_learner,uplift_class_transformation,purchase_propensity");
        lines.Length.ShouldBe(result.Count + 1);
    }

    [Fact]
    public async Task ADesignedExperimentStartsByAssigningItsMailableAudienceAndCannotBeChangedAfterwards()
    {
        await using var scope = As(Roles.Marketer);
        var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var audience = await db.Segments.Where(s => s.Name == "Opted-in customers").Select(s => s.Id).SingleAsync();
        var design = new ExperimentDesign
        {
            Name = "Subject line test",
            AudienceSegmentId = audience,
            HoldoutShare = 0.1,
            Arms = [new() { Name = "No message", IsControl = true }, new() { Name = "Short subject", Weight = 2 }],
        };

        var id = await experiments.SaveAsync(null, design);

        // Without the confirmation nothing is assigned.
        (await Should.ThrowAsync<ArgumentException>(() => experiments.StartAsync(id, confirmed: false))).Message.ShouldContain("cannot be undone");
        (await db.Assignments.CountAsync(a => a.ExperimentId == id)).ShouldBe(0);
        var preview = await experiments.StartPreviewAsync(id);
        var assigned = await experiments.StartAsync(id, confirmed: true, expectedCustomers: preview.Customers);

        var mailable = await db.Customers.CountAsync(c => c.EmailConsent == Domain.Consent.ConsentStatus.OptedIn && c.Email != null && !c.IsErased);
        assigned.ShouldBe(mailable);
        var detail = (await experiments.GetAsync(id))!;
        detail.Status.ShouldBe(ExperimentStatus.Running);
        detail.Arms.Select(a => a.Name).ShouldBe(["No message", "Short subject", ExperimentService.HoldoutArmName]);
        detail.Arms.Sum(a => a.Customers).ShouldBe(mailable);
        detail.Arms.Select(a => a.Customers).ShouldBe(preview.Arms.Select(a => a.Customers));
        // Planned split 30 % / 60 % / 10 %; with ~4,800 customers each share is within 3 points.
        ((double)detail.Arms[1].Customers / mailable).ShouldBe(0.6, 0.03);
        ((double)detail.Arms[2].Customers / mailable).ShouldBe(0.1, 0.03);

        // Each customer's arm is the deterministic hash pick, and it is recorded once.
        var experiment = await db.Experiments.AsNoTracking().Include(e => e.Variants).SingleAsync(e => e.Id == id);
        var sample = await db.Assignments.Where(a => a.ExperimentId == id).Take(200).ToListAsync();
        sample.ShouldAllBe(a => VariantPicker.Pick(experiment.AssignmentSalt, a.CustomerId!.Value, experiment.Variants.OrderBy(v => v.SortOrder).ToList()).Id == a.VariantId);

        (await Should.ThrowAsync<ArgumentException>(() => experiments.SaveAsync(id, design))).Message.ShouldContain("Only a draft");
        (await Should.ThrowAsync<ArgumentException>(() => experiments.StartAsync(id, confirmed: true))).Message.ShouldContain("Only a draft");
    }

    [Fact]
    public async Task OutcomesOfAStudioRunExperimentComeFromSendsClicksAndPurchasesInTheAttributionWindow()
    {
        await using var scope = As(Roles.Marketer);
        var factory = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var start = app.Clock.GetUtcNow().UtcDateTime.AddDays(1).Date;
        long buyer, late, clicker, controlBuyer;
        int experimentId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var customers = await db.Customers.OrderBy(c => c.Id).Select(c => c.Id).Take(4).ToListAsync();
            (buyer, late, clicker, controlBuyer) = (customers[0], customers[1], customers[2], customers[3]);
            var experiment = new Experiment
            {
                Name = "Outcome test",
                Status = ExperimentStatus.Running,
                Source = ExperimentSource.Campaign,
                AttributionWindowDays = 7,
                AssignmentSalt = "outcome-test",
                CreatedAt = start,
                StartedAt = start,
                Variants = [new Variant { Name = "Control", IsControl = true }, new Variant { Name = "Mail", SortOrder = 1 }],
            };
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();
            experimentId = experiment.Id;
            var (control, mail) = (experiment.Variants[0].Id, experiment.Variants[1].Id);
            var campaign = new Campaign { Name = "Outcome test send", ExperimentId = experiment.Id, CreatedAt = start };
            foreach (var step in new[] { CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Completed })
            {
                campaign.MoveTo(step);
            }

            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync();
            foreach (var (customer, variant) in new[] { (buyer, mail), (late, mail), (clicker, mail), (controlBuyer, control) })
            {
                db.Assignments.Add(new Assignment { ExperimentId = experiment.Id, VariantId = variant, CustomerId = customer, AssignedAt = start });
            }

            // Mail is sent a day after assignment: the window runs from the send, not from the assignment.
            var sent = start.AddDays(1);
            foreach (var customer in new[] { buyer, late, clicker })
            {
                db.Messages.Add(new Message
                {
                    CampaignId = campaign.Id, CustomerId = customer, VariantId = mail, Status = MessageStatus.Sent, QueuedAt = start, SentAt = sent,
                    OpenedAt = customer == clicker ? sent.AddHours(1) : null, ClickedAt = customer == clicker ? sent.AddHours(1) : null,
                });
            }

            db.Purchases.AddRange(
                new Purchase { CustomerId = buyer, OrderId = "OT-1", SourceKey = "OT-1", Amount = 40m, Currency = "EUR", PurchasedAt = sent.AddDays(2) },
                new Purchase { CustomerId = buyer, OrderId = "OT-2", SourceKey = "OT-2", Amount = 10.5m, Currency = "EUR", PurchasedAt = sent.AddDays(6.5) },
                new Purchase { CustomerId = buyer, OrderId = "OT-0", SourceKey = "OT-0", Amount = 99m, Currency = "EUR", PurchasedAt = start.AddHours(12) },
                new Purchase { CustomerId = late, OrderId = "OT-3", SourceKey = "OT-3", Amount = 25m, Currency = "EUR", PurchasedAt = sent.AddDays(7.5) },
                new Purchase { CustomerId = controlBuyer, OrderId = "OT-4", SourceKey = "OT-4", Amount = 30m, Currency = "EUR", PurchasedAt = start.AddDays(3) });
            await db.SaveChangesAsync();
        }

        var filled = await scope.ServiceProvider.GetRequiredService<ExperimentOutcomeService>().FillAsync(experimentId);

        filled.ShouldBe(4);
        await using (var db = await factory.CreateDbContextAsync())
        {
            var rows = await db.Assignments.AsNoTracking().Where(a => a.ExperimentId == experimentId).ToDictionaryAsync(a => a.CustomerId!.Value);
            // The 99 bought between assignment and send is before the window: it counts as pre-period spend, not as a conversion.
            (rows[buyer].Converted, rows[buyer].Revenue, rows[buyer].Clicked).ShouldBe((true, 50.5m, false));
            rows[buyer].PrePeriodValue!.Value.ShouldBeGreaterThanOrEqualTo(99);
            (rows[late].Converted, rows[late].Revenue).ShouldBe((false, 0m));
            (rows[clicker].Clicked, rows[clicker].Visited, rows[clicker].Converted).ShouldBe((true, true, false));
            (rows[controlBuyer].Converted, rows[controlBuyer].Revenue, rows[controlBuyer].Clicked).ShouldBe((true, 30m, false));
        }

        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(experimentId, PrimaryMetric.Conversion, useCuped: false);
        readout.Analysis!.Arms.Select(a => (a.Name, a.N, a.Mean)).ShouldBe([("Control", 1L, 1.0), ("Mail", 3L, 1 / 3.0)]);
    }

    [Fact]
    public async Task TheDemoExperimentsAnalysisMatchesItsRowsAndManagersReadButCannotChangeAnything()
    {
        var experimentId = await DemoExperimentIdAsync();
        await using var scope = As(Roles.Manager);
        var experiments = scope.ServiceProvider.GetRequiredService<ExperimentService>();

        var dashboard = await experiments.DashboardAsync();
        var row = dashboard.Single(r => r.Id == experimentId);
        row.BestArm.ShouldBe("Discount e-mail");
        row.Verdict.ShouldBe("Winner");
        row.SampleRatioMismatch.ShouldBeFalse();
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var control = await db.Variants.Where(v => v.ExperimentId == experimentId && v.IsControl).Select(v => v.Id).SingleAsync();
            var rates = await db.Assignments.Where(a => a.ExperimentId == experimentId).GroupBy(a => a.VariantId == control)
                .Select(g => new { Control = g.Key, Rate = g.Average(a => a.Converted == true ? 1.0 : 0.0) }).ToListAsync();
            var expected = rates.Single(r => !r.Control).Rate / rates.Single(r => r.Control).Rate - 1;
            row.RelativeLift!.Value.ShouldBe(expected, 1e-9);
            row.RelativeLower!.Value.ShouldBeLessThan(expected);
        }

        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(experimentId, PrimaryMetric.RevenuePerCustomer, useCuped: true);
        readout.CupedAvailable.ShouldBeTrue();
        readout.Analysis!.Cuped.ShouldNotBeNull();

        var design = new ExperimentDesign { Name = "Not allowed" };
        await Should.ThrowAsync<StudioForbiddenException>(() => experiments.SaveAsync(null, design));
        await Should.ThrowAsync<StudioForbiddenException>(() => experiments.StartAsync(experimentId, confirmed: true));
        await Should.ThrowAsync<StudioForbiddenException>(() => experiments.StartPreviewAsync(experimentId));
        await Should.ThrowAsync<StudioForbiddenException>(() => experiments.FinishAsync(experimentId));
        await Should.ThrowAsync<StudioForbiddenException>(() => experiments.DeleteAsync(experimentId));
        await Should.ThrowAsync<StudioForbiddenException>(() => scope.ServiceProvider.GetRequiredService<ExperimentOutcomeService>().FillAsync(experimentId));
        await Should.ThrowAsync<StudioForbiddenException>(() => scope.ServiceProvider.GetRequiredService<UpliftService>().StartAsync(experimentId, new UpliftRequest()));
        await Should.ThrowAsync<StudioForbiddenException>(() => scope.ServiceProvider.GetRequiredService<UpliftService>().CreateTargetSegmentAsync(experimentId, Learners.TLearner, 0.3, 0.1, null));
        await Should.ThrowAsync<StudioForbiddenException>(() => scope.ServiceProvider.GetRequiredService<ExperimentImportService>()
            .CreateAsync(new MemoryStream("segment,conversion\nA,1\nB,0\n"u8.ToArray()), new Data.Experiments.ResultsMapping("segment", "A", "conversion", null, null, null, null, []), "x", PrimaryMetric.Conversion));
    }

    [Fact]
    public async Task ASplitFarFromThePlanIsFlaggedAsASampleRatioMismatchOnTheDashboard()
    {
        await using var scope = As(Roles.Manager);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var experiment = new Experiment
            {
                Name = "Broken split", Status = ExperimentStatus.Running, Source = ExperimentSource.Campaign, AssignmentSalt = "srm", CreatedAt = app.Clock.GetUtcNow().UtcDateTime,
                Variants = [new Variant { Name = "Control", IsControl = true }, new Variant { Name = "Mail", SortOrder = 1 }],
            };
            db.Experiments.Add(experiment);
            await db.SaveChangesAsync();

            // Planned 50/50, observed 1,000 vs 800: chi-square 22.22, p = 2.4284674729758432e-06 (scipy.stats.chisquare([1000, 800])).
            db.Assignments.AddRange(Enumerable.Range(0, 1_800).Select(i => new Assignment
            {
                ExperimentId = experiment.Id, VariantId = experiment.Variants[i < 1_000 ? 0 : 1].Id, AssignedAt = app.Clock.GetUtcNow().UtcDateTime, Converted = i % 10 == 0,
            }));
            await db.SaveChangesAsync();
        }

        var row = (await scope.ServiceProvider.GetRequiredService<ExperimentService>().DashboardAsync()).Single(r => r.Name == "Broken split");

        row.SampleRatioMismatch.ShouldBeTrue();
        var readout = await scope.ServiceProvider.GetRequiredService<ExperimentAnalysisService>().AnalyzeAsync(row.Id, null, useCuped: false);
        readout.Analysis!.SampleRatio.PValue.ShouldBe(2.4284674729758432e-06, 1e-12);
    }

    [Fact]
    public void ThePlannerWarnsWhenTheAudienceIsTooSmall()
    {
        var (plan, error) = ExperimentService.Plan(new PowerForm { BaselineRate = 0.03, MinimumDetectableEffect = 0.1, Arms = 2, AvailableAudience = 10_000 });

        error.ShouldBeNull();
        plan!.PerArm.ShouldBe(53_211); // scipy: ceil((z.975·√(2p̄q̄) + z.8·√(p0q0 + p1q1))² / 0.003²) for p0 = 0.03, p1 = 0.033
        plan.AudienceTooSmall.ShouldBeTrue();
        plan.Warnings.ShouldContain(w => w.StartsWith("The audience is too small", StringComparison.Ordinal));
        ExperimentService.Plan(new PowerForm { BaselineRate = 1.5 }).Error.ShouldBe("The baseline rate must be between 0 and 1.");
    }

    [Fact]
    public void ThePlannerUsesTheArmsWeightsAndTheHoldout()
    {
        // Control 1 : e-mail 2 and a 10 % holdout, as the design page passes them: reference/power_reference.py (design.*).
        var (plan, error) = ExperimentService.Plan(new PowerForm { BaselineRate = 0.03, MinimumDetectableEffect = 0.1, Weights = [1, 2], HoldoutShare = 0.1, AvailableAudience = 10_000 });

        error.ShouldBeNull();
        plan!.ArmSizes.ShouldBe([48_663L, 97_326L]);
        plan.Holdout.ShouldBe(16_222);
        plan.Total.ShouldBe(162_211);
        plan.PowerWithAvailableAudience!.Value.ShouldBe(0.0665423025947789, 1e-9);
    }
}
