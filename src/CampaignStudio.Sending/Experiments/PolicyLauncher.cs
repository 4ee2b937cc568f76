using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CampaignStudio.Analytics.Offers;
using CampaignStudio.Analytics.Statistics;
using CampaignStudio.Data;
using CampaignStudio.Data.Consent;
using CampaignStudio.Data.Experiments;
using CampaignStudio.Domain;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Experiments;
using CampaignStudio.Domain.Segments;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Sending.Experiments;

/// <summary>What the marketer asks for when launching a policy.</summary>
/// <param name="Templates">Offer arm name → the e-mail template it sends; "no message" arms need none.</param>
/// <param name="ExplorationShare">Share of the non-holdout recipients whose offer is drawn at random over all arms (default 10 %).</param>
/// <param name="HoldoutShare">Share of all recipients held out with no message (default 10 %).</param>
/// <param name="Name">Name of the new experiment and campaign; default "&lt;source&gt; — offers round 2".</param>
/// <param name="ScheduledAt">When the campaign sends (UTC); null for now.</param>
public sealed record PolicyLaunchRequest(
    IReadOnlyDictionary<string, int>? Templates,
    double ExplorationShare = ExplorationPlan.DefaultExploration,
    double HoldoutShare = PolicyLaunchRequest.DefaultHoldout,
    string? Name = null,
    DateTime? ScheduledAt = null)
{
    public const double DefaultHoldout = 0.10;
}

/// <summary>How many recipients an arm got, and why.</summary>
/// <param name="Arm">The offer.</param>
/// <param name="Policy">Recipients the policy gave it.</param>
/// <param name="Exploration">Recipients who drew it at random (exploration).</param>
/// <param name="Holdout">Recipients held out with no message (only on the no-message arm).</param>
/// <param name="SendsMessage">False for "no message": its recipients get no e-mail.</param>
public sealed record PolicyLaunchArm(string Arm, int Policy, int Exploration, int Holdout, bool SendsMessage)
{
    public int Total => Policy + Exploration + Holdout;
}

/// <summary>A launched (or previewed) policy: the new experiment and campaign, and who gets what.</summary>
/// <param name="ExperimentId">The new experiment; null in a preview.</param>
/// <param name="CampaignId">Its campaign; null in a preview.</param>
/// <param name="Name">The new experiment's name.</param>
/// <param name="Recipients">Studio customers who may be mailed and were given an offer.</param>
/// <param name="NotMailable">Studio customers of the experiment who may not be mailed (no opt-in, erased, no address).</param>
/// <param name="NotCustomers">Rows of the experiment that are not customers here.</param>
/// <param name="Arms">Per arm the recipients, by policy, exploration and holdout.</param>
public sealed record PolicyLaunchResult(int? ExperimentId, int? CampaignId, string Name, int Recipients, int NotMailable, int NotCustomers, IReadOnlyList<PolicyLaunchArm> Arms)
{
    /// <summary>The sentence the page and the API say about rows that cannot be reached.</summary>
    public string? Unreached => (NotCustomers, NotMailable) switch
    {
        (0, 0) => null,
        (var rows, 0) => $"{rows:N0} rows of the experiment are not customers here.",
        (0, var customers) => $"{customers:N0} customers may not be mailed.",
        var (rows, customers) => $"{rows:N0} rows of the experiment are not customers here; {customers:N0} customers may not be mailed.",
    };
}

/// <summary>What a launch needs of a trained policy (the studio stores the whole training result).</summary>
/// <param name="ArmNames">The arms in the policy's order.</param>
/// <param name="ControlArm">Index of the control ("no message") arm.</param>
/// <param name="AssignmentIds">The experiment's own rows the policy was trained for.</param>
/// <param name="Recommended">Per row the arm the studio recommends sending.</param>
/// <param name="Evaluation">The doubly-robust values and the recommendation.</param>
public sealed record TrainedPolicy(IReadOnlyList<string> ArmNames, int ControlArm, long[] AssignmentIds, int[] Recommended, PolicyEvaluation Evaluation);

/// <summary>
/// "Launch this policy": each studio customer of a trained experiment gets the offer the recommendation gives them, except
/// a no-message holdout and a random exploration share (<see cref="ExplorationPlan"/>), in a new experiment with the same
/// arms and costs and its campaign. Every assignment logs its propensity and a copy of the row's covariates, so the next
/// round learns without bias and the holdout measures the realised gain. Decision 044.
/// </summary>
/// <remarks>The role checks stay with the callers (the web app's <c>PolicyLaunchService</c> and its API).</remarks>
public static class PolicyLauncher
{
    /// <summary>The counts a launch would give, without creating anything.</summary>
    /// <param name="trained">The experiment's trained policy; null when none is trained.</param>
    /// <exception cref="KeyNotFoundException">No such experiment.</exception>
    /// <exception cref="ArgumentException">The launch is not possible; the message says why.</exception>
    public static async Task<PolicyLaunchResult> PreviewAsync(AppDbContext db, int experimentId, TrainedPolicy? trained, PolicyLaunchRequest request, CancellationToken ct)
    {
        var plan = await PlanAsync(db, experimentId, trained, request, checkTemplates: false, ct);
        return plan.Result;
    }

    /// <summary>Creates the new experiment, its assignments, its audience and its scheduled campaign, in one transaction.</summary>
    /// <param name="trained">The experiment's trained policy; null when none is trained.</param>
    /// <param name="author">Who launches, recorded on what is created.</param>
    /// <exception cref="KeyNotFoundException">No such experiment.</exception>
    /// <exception cref="ArgumentException">The launch is not possible; the message says why.</exception>
    public static async Task<PolicyLaunchResult> LaunchAsync(AppDbContext db, int experimentId, TrainedPolicy? trained, PolicyLaunchRequest request, string author,
        TimeProvider clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(clock);
        var plan = await PlanAsync(db, experimentId, trained, request, checkTemplates: true, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var source = plan.Source;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var experiment = new Experiment
        {
            Name = plan.Result.Name,
            Hypothesis = Fit($"The offers “{source.Name}”'s policy gives each customer, with {request.ExplorationShare:P0} explored at random and " +
                $"{request.HoldoutShare:P0} held out with no message.", Limits.Description),
            Status = ExperimentStatus.Draft,
            Source = ExperimentSource.Campaign,
            PrimaryMetric = source.PrimaryMetric,
            AttributionWindowDays = source.AttributionWindowDays,
            AssignmentSalt = plan.Salt,
            GrossMargin = source.GrossMargin,
            LaunchedFromExperimentId = source.Id,
            PredictedGain = plan.Promise.ValuePerCustomer,
            PredictedGainLower = plan.Promise.Ci.Lower,
            PredictedGainUpper = plan.Promise.Ci.Upper,
            CreatedBy = author,
            CreatedAt = now,
            Variants = plan.Arms.Select((v, a) => new Variant
            {
                Name = v.Name,
                IsControl = v.IsControl,
                IsHoldout = v.IsHoldout,
                SortOrder = a,
                DiscountShare = v.DiscountShare,
                MessageCost = v.MessageCost,
                RedemptionCost = v.RedemptionCost,
                SendsMessage = v.SendsAMessage,
                EmailTemplateId = v.SendsAMessage ? request.Templates![v.Name] : null,
            }).ToList(),
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(ct);

        // The draw's assignments are the record: the campaign's launch reads them back rather than picking arms itself.
        var variantIds = experiment.Variants.OrderBy(v => v.SortOrder).Select(v => v.Id).ToArray();
        db.Assignments.AddRange(plan.Recipients.Select((r, i) => new Assignment
        {
            ExperimentId = experiment.Id,
            VariantId = variantIds[plan.Draws[i].Arm],
            CustomerId = r.CustomerId,
            AssignedAt = now,
            Propensity = plan.Draws[i].Propensity,
            PolicyVariantId = variantIds[r.PolicyArm],
            CovariatesJson = r.CovariatesJson,
            RowKey = r.RowKey,
        }));

        var audience = new Segment
        {
            Name = Fit($"{experiment.Name} — recipients", Limits.Title),
            Description = Fit($"The customers of “{source.Name}” who could be mailed when its policy was launched.", Limits.Description),
            Kind = SegmentKind.Snapshot,
            MemberCount = plan.Recipients.Count,
            CountedAt = now,
            CreatedBy = author,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(audience);
        await db.SaveChangesAsync(ct);
        db.SegmentMembers.AddRange(plan.Recipients.Select(r => new SegmentMember { SegmentId = audience.Id, CustomerId = r.CustomerId }));
        experiment.AudienceSegmentId = audience.Id;

        var campaign = new Campaign
        {
            Name = experiment.Name,
            SegmentId = audience.Id,
            ExperimentId = experiment.Id,
            ScheduledAt = request.ScheduledAt is { } at && at > now ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : now,
            AttributionWindowDays = Math.Clamp(source.AttributionWindowDays, 1, 90),
            CreatedBy = author,
            CreatedAt = now,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return plan.Result with { ExperimentId = experiment.Id, CampaignId = campaign.Id };
    }

    private sealed record Recipient(long CustomerId, int PolicyArm, string? CovariatesJson, string? RowKey);

    private sealed record Plan(Experiment Source, IReadOnlyList<Variant> Arms, string Salt, IReadOnlyList<Recipient> Recipients, LaunchDraw[] Draws, PolicyLaunchResult Result,
        PolicyValue Promise);

    /// <summary>
    /// What the recommendation promises over "no message" per customer (decision 042's doubly-robust values). Evaluations
    /// stored before the paired figure existed give the difference of the two values with both errors added (wider, not paired).
    /// </summary>
    public static PolicyValue Promise(PolicyEvaluation evaluation, int controlArm)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (evaluation.RecommendedGainOverNoMessage is { } paired)
        {
            return paired;
        }

        var chosen = evaluation.Recommendation.UseLearnedPolicy ? evaluation.LearnedPolicy : evaluation.Arms[evaluation.Recommendation.Arm ?? evaluation.BestSingleArm];
        var none = evaluation.Arms[controlArm];
        var gain = chosen.ValuePerCustomer - none.ValuePerCustomer;
        var se = Math.Sqrt(chosen.StandardError * chosen.StandardError + none.StandardError * none.StandardError);
        return new PolicyValue($"{chosen.Name} − {none.Name}", gain, se, new ConfidenceInterval(gain - 1.959963984540054 * se, gain + 1.959963984540054 * se));
    }

    private static async Task<Plan> PlanAsync(AppDbContext db, int experimentId, TrainedPolicy? trained, PolicyLaunchRequest request, bool checkTemplates, CancellationToken ct)
    {
        var source = await db.Experiments.AsNoTracking().Include(e => e.Variants).FirstOrDefaultAsync(e => e.Id == experimentId, ct)
            ?? throw new KeyNotFoundException("Unknown experiment.");
        var result = trained
            ?? throw new ArgumentException("No policy is trained for this experiment yet; train one on its offers page first.");
        if (!(request.ExplorationShare >= 0 && request.ExplorationShare <= 1))
        {
            throw new ArgumentException($"The exploration share is a share of the recipients from 0 to 1 (0.10 for 10 %); {request.ExplorationShare} is not.");
        }

        if (!(request.HoldoutShare >= 0 && request.HoldoutShare < 1))
        {
            throw new ArgumentException($"The holdout share is a share of the recipients from 0 up to (not including) 1 (0.10 for 10 %); {request.HoldoutShare} is not.");
        }

        // The arms in the policy's order, so its arm numbers index them.
        var byName = source.Variants.ToDictionary(v => v.Name, StringComparer.Ordinal);
        if (result.ArmNames.Any(n => !byName.ContainsKey(n)))
        {
            throw new ArgumentException("The experiment's arms changed since the policy was trained; train it again.");
        }

        var arms = result.ArmNames.Select(n => byName[n]).ToList();
        var noMessage = arms[result.ControlArm].SendsAMessage ? arms.FindIndex(v => !v.SendsAMessage) : result.ControlArm;
        if (noMessage < 0)
        {
            throw new ArgumentException("Every arm of this experiment sends a message, so there is no \"no message\" arm to hold customers out with.");
        }

        if (checkTemplates)
        {
            var templates = request.Templates ?? new Dictionary<string, int>();
            var missing = arms.Where(v => v.SendsAMessage && !templates.ContainsKey(v.Name)).Select(v => $"'{v.Name}'").ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"Choose the e-mail each offer sends: {string.Join(", ", missing)} {(missing.Count == 1 ? "has" : "have")} no template.");
            }

            var wanted = arms.Where(v => v.SendsAMessage).Select(v => templates[v.Name]).Distinct().ToList();
            var known = await db.EmailTemplates.Where(t => wanted.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
            if (wanted.Except(known).ToList() is { Count: > 0 } unknown)
            {
                throw new ArgumentException($"There is no e-mail template {string.Join(", ", unknown)}.");
            }
        }

        var rows = await (from a in db.Assignments.AsNoTracking()
                          where a.ExperimentId == experimentId
                          orderby a.Id
                          select new { a.Id, a.CustomerId, a.RowKey, a.CovariatesJson }).ToListAsync(ct);
        var policyOf = result.AssignmentIds.Select((id, i) => (id, arm: result.Recommended[i])).ToDictionary(x => x.id, x => x.arm);

        // A row is a studio customer when it is one (a studio experiment) or when its file id is a customer's external id.
        var customerOf = await PredictedOfferGains.CustomerOfRowAsync(db, rows.Select(r => (r.Id, r.CustomerId, (string?)r.RowKey)).ToList(), ct);
        var customers = rows
            .Where(r => policyOf.ContainsKey(r.Id))
            .Select(r => (r, customerId: customerOf.TryGetValue(r.Id, out var id) ? id : (long?)null))
            .ToList();
        var seen = new HashSet<long>();
        var studio = customers.Where(x => x.customerId is { } id && seen.Add(id)).ToList();
        var notCustomers = rows.Count - studio.Count;
        if (studio.Count == 0)
        {
            throw new ArgumentException($"No row of this experiment is a customer here ({rows.Count:N0} rows; a row is one when its id is a customer's external id), so there is nobody to mail.");
        }

        // Consent and suppression as for any send: only customers who may be mailed are given an offer.
        var ids = studio.Select(x => x.customerId!.Value).ToList();
        var mailable = new HashSet<long>();
        foreach (var chunk in ids.Chunk(2_000))
        {
            mailable.UnionWith(await db.Customers.Mailable().Where(c => chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct));
        }

        var recipients = studio.Where(x => mailable.Contains(x.customerId!.Value))
            .Select(x => new Recipient(x.customerId!.Value, policyOf[x.r.Id], x.r.CovariatesJson, x.r.RowKey)).ToList();
        var salt = Guid.NewGuid().ToString("N");
        var draws = ExplorationPlan.Draw(recipients.Select(r => r.PolicyArm).ToList(), arms.Count, noMessage, request.ExplorationShare, request.HoldoutShare, Seed(salt));
        var counts = arms.Select((v, a) => new PolicyLaunchArm(v.Name,
            draws.Count(d => d.Arm == a && !d.Holdout && !d.Explored),
            draws.Count(d => d.Arm == a && d.Explored),
            draws.Count(d => d.Arm == a && d.Holdout),
            v.SendsAMessage)).ToList();
        var name = Fit(string.IsNullOrWhiteSpace(request.Name) ? $"{source.Name} — offers round 2" : request.Name.Trim(), Limits.Title);
        return new Plan(source, arms, salt, recipients, draws,
            new PolicyLaunchResult(null, null, name, recipients.Count, studio.Count - recipients.Count, notCustomers, counts), Promise(result.Evaluation, result.ControlArm));
    }

    /// <summary>The draw's seed from the new experiment's salt: the same experiment always draws the same offers.</summary>
    public static int Seed(string salt) => BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(salt + ":launch")));

    private static string Fit(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
