using CampaignStudio.Analytics.Flows;
using CampaignStudio.Data;
using CampaignStudio.Data.Flows;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Privacy;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Flows.Results;

/// <summary>
/// What each send step of a flow did against its own holdout: sent, opened, clicked, conversions, value, the conversions and
/// value it caused with always-valid intervals, its offer's cost and its verdict. Every role may read it; small groups are
/// hidden as on every dashboard.
/// </summary>
public sealed class FlowResultsService(IDbContextFactory<AppDbContext> dbFactory, CurrentUser user, PrivacySettingsService privacy)
{
    /// <summary>The flow's send steps in diagram order, read with the live version's goal and window (else the newest version's); null for no such flow.</summary>
    public async Task<FlowResultsReport?> GetAsync(int flowId, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        var k = await privacy.MinGroupSizeAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var flow = await db.Flows.AsNoTracking().FirstOrDefaultAsync(f => f.Id == flowId, ct);
        if (flow is null)
        {
            return null;
        }

        var json = await db.FlowVersions.AsNoTracking().Where(v => v.FlowId == flowId)
            .OrderByDescending(v => v.Id == flow.LiveVersionId).ThenByDescending(v => v.Number).Select(v => v.DefinitionJson).FirstOrDefaultAsync(ct);
        if (FlowDefinitionJson.Parse(json).Definition is not { } definition)
        {
            return new FlowResultsReport(flowId, k, []);
        }

        var map = new FlowMap(definition);
        var results = await FlowStepResults.ReadAsync(db, flowId, definition, ct: ct);
        var templateIds = map.Steps.OfType<SendEmailStep>().Select(s => s.TemplateId).Distinct().ToList();
        var templates = await db.EmailTemplates.AsNoTracking().Where(t => templateIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        return new FlowResultsReport(flowId, k, [.. results.Select(r => Report(r, (SendEmailStep)map.Step(r.StepId)!, templates, k))]);
    }

    private static FlowStepReport Report(FlowStepResult r, SendEmailStep step, IReadOnlyDictionary<int, string> templates, int k)
    {
        var label = step.Label ?? templates.GetValueOrDefault(step.TemplateId) ?? $"Step {step.Id}";
        long? Count(long n) => SmallGroups.ValueOrNull(n, k);
        double? Rate(long part, long total) => total == 0 || SmallGroups.HidesRate(part, total, k) ? null : (double)part / total;

        // The lift is shown only when both sides' conversion rates may be: with one rate shown, the lift would give the other away.
        var hidden = SmallGroups.HidesRate(r.MailedConversions, r.Mailed, k) || SmallGroups.HidesRate(r.HeldOutConversions, r.HeldOut, k);
        var lift = hidden ? null : CampaignStudio.Flows.FlowStepHealth.Read(r);
        var reason = hidden ? $"Too few customers to show the lift yet: each side needs at least {k} who converted and {k} who did not." : lift?.Reason ?? "Too early: each side needs at least two customers.";
        return new FlowStepReport(r.StepId, label, step.HoldoutPercent, Count(r.Mailed), Count(r.Sent), Count(r.HeldOut), Count(r.Skipped),
            Rate(r.Opened, r.Sent), Rate(r.Clicked, r.Sent), Rate(r.MailedConversions, r.Mailed), Rate(r.HeldOutConversions, r.HeldOut),
            lift?.Rate.Difference, lift?.Rate.AlwaysValid.Lower, lift?.Rate.AlwaysValid.Upper,
            lift?.IncrementalConversions, lift?.IncrementalConversionsInterval.Lower, lift?.IncrementalConversionsInterval.Upper,
            lift?.IncrementalValue, lift?.IncrementalValueInterval?.Lower, lift?.IncrementalValueInterval?.Upper,
            lift is null || step.OfferCost is null ? null : lift.OfferCost, lift?.NetValue, hidden ? null : Rate(r.OptOuts, r.Mailed), lift?.Verdict, reason);
    }
}

/// <summary>The send steps of a flow against their holdouts; counts below <see cref="MinGroupSize"/> are null.</summary>
public sealed record FlowResultsReport(int FlowId, int MinGroupSize, IReadOnlyList<FlowStepReport> Steps);

/// <summary>
/// One send step. Rates are shares (0.05 = 5 %); <c>Lift*</c> is the conversion-rate difference mailed − held out with its
/// always-valid interval; <c>Incremental*</c> what the step caused; null where a group is too small to show or too early.
/// </summary>
public sealed record FlowStepReport(
    string StepId, string Label, int HoldoutPercent, long? Mailed, long? Sent, long? HeldOut, long? Skipped,
    double? OpenRate, double? ClickRate, double? MailedConversionRate, double? HeldOutConversionRate,
    double? Lift, double? LiftLower, double? LiftUpper,
    double? IncrementalConversions, double? IncrementalConversionsLower, double? IncrementalConversionsUpper,
    double? IncrementalValue, double? IncrementalValueLower, double? IncrementalValueUpper,
    double? OfferCost, double? NetValue, double? OptOutRate,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StepVerdict>))] StepVerdict? Verdict, string Reason);
