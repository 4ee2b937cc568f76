using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Customers;
using CampaignStudio.Domain.Flows;

namespace CampaignStudio.TestSupport;

/// <summary>
/// Flow rows written straight to the database as the lifecycle and the engine leave them — a live flow with its published
/// version, a send step's campaign, a customer's trip with its visit at a step — for tests of what reads them (reports,
/// the engine) without running the editor or the engine first.
/// </summary>
public static class FlowRows
{
    /// <summary>A live flow of <paramref name="definition"/> with version 1 published (live since <paramref name="liveSince"/>, default now).</summary>
    public static async Task<(Flow Flow, FlowVersion Version)> LiveAsync(AppDbContext db, string name, FlowDefinition definition, DateTime now, DateTime? liveSince = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var flow = new Flow { Name = name, Status = FlowStatus.Live, CreatedBy = "test", CreatedAt = now, UpdatedAt = now, LiveSince = liveSince ?? now };
        db.Flows.Add(flow);
        await db.SaveChangesAsync();
        var version = new FlowVersion { FlowId = flow.Id, Number = 1, DefinitionJson = FlowDefinitionJson.Serialize(definition), CreatedAt = now, PublishedAt = now, CreatedBy = "test" };
        db.FlowVersions.Add(version);
        await db.SaveChangesAsync();
        flow.LiveVersionId = version.Id;
        await db.SaveChangesAsync();
        return (flow, version);
    }

    /// <summary>The campaign a send step gets at publish (status Sending), saved.</summary>
    public static async Task<Campaign> StepCampaignAsync(AppDbContext db, Flow flow, FlowVersion version, string stepId, DateTime now, int? templateId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var campaign = new Campaign
        {
            Name = $"{flow.Name} · {stepId}", EmailTemplateId = templateId, FlowId = flow.Id, FlowVersionId = version.Id, FlowStepId = stepId,
            CreatedBy = "test", CreatedAt = now, LaunchedAt = now,
        };
        campaign.MoveTo(CampaignStatus.Scheduled);
        campaign.MoveTo(CampaignStatus.Sending);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign;
    }

    /// <summary><paramref name="count"/> customers with new addresses, saved.</summary>
    public static async Task<List<Customer>> CustomersAsync(AppDbContext db, int count, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(db);
        var customers = Enumerable.Range(0, count).Select(_ =>
        {
            var c = new Customer { CreatedAt = now, UpdatedAt = now };
            c.SetEmail($"flow-{Guid.NewGuid():N}@example.com");
            return c;
        }).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        return customers;
    }

    /// <summary>A customer's trip (entry 1, entered at <paramref name="at"/>) and what happened at one step; the visit is added, not saved.</summary>
    public static async Task<FlowEnrollment> TripWithVisitAsync(AppDbContext db, int flowId, int versionId, long customerId, string stepId, FlowStepOutcome outcome,
        DateTime at, FlowEnrollmentState state = FlowEnrollmentState.Finished, long? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var enrollment = new FlowEnrollment { FlowId = flowId, FlowVersionId = versionId, CustomerId = customerId, EntryNumber = 1, EnteredAt = at, State = state };
        db.FlowEnrollments.Add(enrollment);
        await db.SaveChangesAsync();
        db.FlowStepVisits.Add(new FlowStepVisit
        {
            EnrollmentId = enrollment.Id, FlowId = flowId, FlowVersionId = versionId, StepId = stepId, CustomerId = customerId, At = at, Outcome = outcome, MessageId = messageId,
        });
        return enrollment;
    }
}
