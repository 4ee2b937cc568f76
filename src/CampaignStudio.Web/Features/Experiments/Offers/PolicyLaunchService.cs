using CampaignStudio.Data;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Sending.Experiments;
using CampaignStudio.Training.Offers;
using CampaignStudio.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Web.Features.Experiments.Offers;

/// <summary>
/// The screen's and the API's "Launch this policy": the role checks and the stored policy here, the launch itself in
/// <see cref="PolicyLauncher"/> (the send pipeline's project, as it creates the campaign and its recipients). Decision 044.
/// </summary>
public sealed class PolicyLaunchService(IDbContextFactory<AppDbContext> dbFactory, OfferPolicyStore store, CurrentUser user, TimeProvider clock)
{
    /// <summary>The counts a launch would give, without creating anything (any role may look).</summary>
    /// <exception cref="ArgumentException">The launch is not possible; the message says why.</exception>
    public async Task<PolicyLaunchResult> PreviewAsync(int experimentId, PolicyLaunchRequest request, CancellationToken ct = default)
    {
        await user.RequireAsync(Policies.CanRead);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await PolicyLauncher.PreviewAsync(db, experimentId, await TrainedAsync(experimentId, ct), request, ct);
    }

    /// <summary>Creates the new experiment, its assignments, its audience and its scheduled campaign (Admin or Marketer).</summary>
    /// <exception cref="ArgumentException">The launch is not possible; the message says why.</exception>
    public async Task<PolicyLaunchResult> LaunchAsync(int experimentId, PolicyLaunchRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await user.RequireAsync(Policies.CanEdit);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await PolicyLauncher.LaunchAsync(db, experimentId, await TrainedAsync(experimentId, ct), request, await user.NameAsync(), clock, ct);
    }

    private async Task<TrainedPolicy?> TrainedAsync(int experimentId, CancellationToken ct) =>
        await store.GetAsync(experimentId, ct) is { } r ? new TrainedPolicy(r.ArmNames, r.ControlArm, r.AssignmentIds, r.Recommended, r.Evaluation) : null;
}
