using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Flows;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Features.Flows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>
/// Flows through the API, the editor's twin: ready-made → draft → publish makes one Sending campaign per send step, pause and
/// resume move those campaigns, editing a live flow makes a new version while the old one stays, managers only read.
/// </summary>
public sealed class FlowsApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    /// <summary>The flow routes that change something (the authorization test checks the list is complete).</summary>
    public static readonly IReadOnlyList<(string Method, string Pattern, string Url)> MutatingRoutes =
    [
        ("POST", "/api/flows/", "/api/flows"),
        ("PUT", "/api/flows/{id:int}/draft", "/api/flows/1/draft"),
        ("POST", "/api/flows/{id:int}/edit", "/api/flows/1/edit"),
        ("POST", "/api/flows/{id:int}/publish", "/api/flows/1/publish"),
        ("POST", "/api/flows/{id:int}/pause", "/api/flows/1/pause"),
        ("POST", "/api/flows/{id:int}/resume", "/api/flows/1/resume"),
        ("POST", "/api/flows/{id:int}/archive", "/api/flows/1/archive"),
        ("DELETE", "/api/flows/{id:int}", "/api/flows/1"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task PublishingTheAbandonedCartFlowLaunchesOneSendingCampaignPerSendStep()
    {
        // A trained offer policy's predictions exist, so the second mail is the offer behind a split (decision 053).
        await new ExperimentTestBuilder(Db).CartOfferGainsAsync();
        var marketer = await ApiClientAsync("marketer@demo.local");

        var created = await marketer.PostAsJsonAsync("/api/flows", new { readyMade = ReadyMadeFlows.AbandonedCart });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var draft = (await created.Content.ReadFromJsonAsync<FlowDto>(Json))!;
        draft.Status.ShouldBe("Draft");
        draft.Name.ShouldBe("Abandoned cart");
        draft.LiveVersion.ShouldBeNull();
        var definition = FlowDefinitionJson.Parse(draft.Definition.GetRawText()).Definition.ShouldNotBeNull();
        definition.Trigger.ShouldBeOfType<EventTrigger>().Event.EventType.ShouldBe(ReadyMadeFlows.CartAbandoned);
        var sendSteps = new FlowMap(definition).Steps.OfType<SendEmailStep>().ToList();
        sendSteps.Select(s => s.Id).ShouldBe(["cart-reminder", "cart-offer", "cart-last"], ignoreOrder: true);
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Campaigns.CountAsync(c => c.FlowId == draft.Id)).ShouldBe(0, "a draft sends nothing");
            var templateIds = sendSteps.Select(s => s.TemplateId).ToList();
            (await db.EmailTemplates.CountAsync(t => templateIds.Contains(t.Id))).ShouldBe(3, "the ready-made flow brings its e-mails");
        }

        var published = await marketer.PostAsync($"/api/flows/{draft.Id}/publish", null);

        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var live = (await published.Content.ReadFromJsonAsync<FlowDto>(Json))!;
        live.Status.ShouldBe("Live");
        live.LiveVersion.ShouldBe(1);
        live.LiveSince!.Value.ShouldBe(app.Clock.GetUtcNow().UtcDateTime, TimeSpan.FromMinutes(1));
        await using (var db = await Db.CreateDbContextAsync())
        {
            var flow = await db.Flows.AsNoTracking().SingleAsync(f => f.Id == draft.Id);
            var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == draft.Id).ToListAsync();
            campaigns.Count.ShouldBe(3);
            campaigns.ShouldAllBe(c => c.Status == CampaignStatus.Sending && c.FlowVersionId == flow.LiveVersionId && c.LaunchedAt != null);
            campaigns.Select(c => c.FlowStepId).ShouldBe(["cart-reminder", "cart-offer", "cart-last"], ignoreOrder: true);
            var offer = campaigns.Single(c => c.FlowStepId == "cart-offer");
            offer.Name.ShouldBe("Abandoned cart · Reminder with offer");
            offer.DiscountTier.ShouldBe("10%");
            offer.EmailTemplateId.ShouldBe(sendSteps.Single(s => s.Id == "cart-offer").TemplateId);
            var entityId = draft.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (await db.AuditEntries.CountAsync(a => a.Action == FlowService.PublishedAction && a.EntityId == entityId)).ShouldBe(1);
        }

        (await marketer.PostAsync($"/api/flows/{draft.Id}/publish", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "nothing new to publish");
        var list = await marketer.GetFromJsonAsync<List<FlowItemDto>>("/api/flows", Json);
        list!.Single(f => f.Id == draft.Id).Trigger.ShouldBe("When “cart_abandoned” happens");
    }

    [Fact]
    public async Task PauseAndResumeMoveTheStepCampaignsAndArchiveCancelsThem()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var id = await PublishedAsync(marketer, ReadyMadeFlows.Welcome);

        (await marketer.PostAsync($"/api/flows/{id}/pause", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StatusesAsync(id)).ShouldBe("Paused: Paused, Paused, Paused");
        (await marketer.PostAsync($"/api/flows/{id}/publish", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await marketer.PostAsync($"/api/flows/{id}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StatusesAsync(id)).ShouldBe("Live: Sending, Sending, Sending");
        (await marketer.PostAsync($"/api/flows/{id}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "a live flow cannot be resumed");

        (await marketer.PostAsync($"/api/flows/{id}/archive", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StatusesAsync(id)).ShouldBe("Archived: Cancelled, Cancelled, Cancelled");
        var again = await marketer.PostAsync($"/api/flows/{id}/resume", null);
        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await marketer.DeleteAsync($"/api/flows/{id}")).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "a flow that was live is archived, not deleted");
    }

    [Fact]
    public async Task EditingALiveFlowMakesVersionTwoAndVersionOneStaysAsItWas()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var id = await PublishedAsync(marketer, ReadyMadeFlows.Welcome);
        var v1 = (await marketer.GetFromJsonAsync<FlowDto>($"/api/flows/{id}", Json))!;
        var edited = JsonNode.Parse(v1.Definition.GetRawText())!;
        edited["steps"]![1]!["minutes"] = 3 * 24 * 60;

        var saved = await marketer.PutAsJsonAsync($"/api/flows/{id}/draft", new { definition = edited });

        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var draft = (await saved.Content.ReadFromJsonAsync<FlowDto>(Json))!;
        (draft.LiveVersion, draft.DraftVersion, draft.ShownVersion, draft.Status).ShouldBe((1, 2, 2, "Live"));
        await using (var db = await Db.CreateDbContextAsync())
        {
            var versions = await db.FlowVersions.AsNoTracking().Where(v => v.FlowId == id).OrderBy(v => v.Number).ToListAsync();
            versions.Count.ShouldBe(2);
            FlowDefinitionJson.Parse(versions[0].DefinitionJson).Definition!.Steps[1].ShouldBe(new WaitStep("wait-2d", 2 * 24 * 60), "customers inside walk version 1: it never changes");
            FlowDefinitionJson.Parse(versions[1].DefinitionJson).Definition!.Steps[1].ShouldBe(new WaitStep("wait-2d", 3 * 24 * 60));
        }

        (await marketer.PostAsync($"/api/flows/{id}/publish", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var db = await Db.CreateDbContextAsync())
        {
            var flow = await db.Flows.AsNoTracking().SingleAsync(f => f.Id == id);
            var versions = await db.FlowVersions.AsNoTracking().Where(v => v.FlowId == id).OrderBy(v => v.Number).ToListAsync();
            flow.LiveVersionId.ShouldBe(versions[1].Id);
            versions[0].PublishedAt.ShouldNotBeNull();
            var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == id).ToListAsync();
            campaigns.Count(c => c.FlowVersionId == versions[0].Id).ShouldBe(3, "version 1's steps keep sending to the customers still on it");
            campaigns.Count(c => c.FlowVersionId == versions[1].Id).ShouldBe(3);
            campaigns.ShouldAllBe(c => c.Status == CampaignStatus.Sending);
        }
    }

    [Fact]
    public async Task AManagerReadsFlowsButEveryChangeIsRefused()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var id = await PublishedAsync(marketer, ReadyMadeFlows.PostPurchase);
        var manager = await ApiClientAsync("manager@demo.local");

        foreach (var (method, _, url) in MutatingRoutes)
        {
            var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("/1", $"/{id}", StringComparison.Ordinal))
            {
                Content = JsonContent.Create(new { readyMade = ReadyMadeFlows.Welcome, definition = new { } }),
            };
            (await manager.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {url}");
        }

        (await manager.GetFromJsonAsync<FlowDto>($"/api/flows/{id}", Json))!.Status.ShouldBe("Live", "nothing the manager sent changed it");
        (await manager.GetFromJsonAsync<List<FlowItemDto>>("/api/flows", Json))!.ShouldContain(f => f.Id == id);
        (await manager.GetFromJsonAsync<List<ReadyMadeFlow>>("/api/flows/templates", Json))!.Select(f => f.Key)
            .ShouldBe([ReadyMadeFlows.Welcome, ReadyMadeFlows.AbandonedCart, ReadyMadeFlows.WinBack, ReadyMadeFlows.PostPurchase]);
        await using var db = await Db.CreateDbContextAsync();
        (await db.Campaigns.CountAsync(c => c.FlowId == id && c.Status == CampaignStatus.Sending)).ShouldBe(1);
    }

    [Fact]
    public async Task TheOffersListNamesEachTrainedOfferAndASplitOnOneIsSavedAndRefusedWhenTheOfferIsTheControl()
    {
        const string Name = "Offers list test";
        var (experimentId, offerId) = await new ExperimentTestBuilder(Db).CartOfferGainsAsync(Name);
        var manager = await ApiClientAsync("manager@demo.local");
        var offers = (await manager.GetFromJsonAsync<List<OfferGainChoice>>("/api/flows/offers", Json))!;
        offers.Single(o => o.Experiment == Name).ShouldBe(offers.Single(o => o.VariantId == offerId));
        var offer = offers.Single(o => o.VariantId == offerId);
        (offer.ExperimentId, offer.Offer, offer.DiscountShare, offer.Scored, offer.Pays).ShouldBe((experimentId, "10 % off", 0.10, 1, 1));

        // The editor saves a split on it with the draft; the control arm ("no message") is refused in words.
        var marketer = await ApiClientAsync("marketer@demo.local");
        var created = (await (await marketer.PostAsJsonAsync("/api/flows", new { readyMade = ReadyMadeFlows.Welcome })).Content.ReadFromJsonAsync<FlowDto>(Json))!;
        object Split(int variantId) => new
        {
            trigger = new { type = "event", @event = new { eventType = "cart_abandoned" } },
            steps = new object[]
            {
                new { type = "condition", id = "pays", offerGain = new { experimentId, variantId, gainAbove = 0.5 }, yes = new object[] { new { type = "exit", id = "done" } } },
            },
        };
        var saved = await marketer.PutAsJsonAsync($"/api/flows/{created.Id}/draft", new { definition = Split(offerId) });
        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var split = new FlowMap(FlowDefinitionJson.Parse((await saved.Content.ReadFromJsonAsync<FlowDto>(Json))!.Definition.GetRawText()).Definition!).Step("pays");
        split.ShouldBeOfType<ConditionSplitStep>().OfferGain.ShouldBe(new OfferGainCondition(experimentId, offerId) { GainAbove = 0.5 });

        int control;
        await using (var db = await Db.CreateDbContextAsync())
        {
            control = await db.Variants.Where(v => v.ExperimentId == experimentId && v.IsControl).Select(v => v.Id).SingleAsync();
        }

        var refused = await marketer.PutAsJsonAsync($"/api/flows/{created.Id}/draft", new { definition = Split(control) });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain($"the offer #{control} of experiment #{experimentId} does not exist (any more); choose another.");
    }

    [Fact]
    public async Task ABadDefinitionIsA400WithTheSentenceAndNothingIsSaved()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");
        var created = (await (await marketer.PostAsJsonAsync("/api/flows", new { readyMade = ReadyMadeFlows.Welcome })).Content.ReadFromJsonAsync<FlowDto>(Json))!;
        var tooMuchHoldout = JsonNode.Parse(created.Definition.GetRawText())!;
        tooMuchHoldout["steps"]![0]!["holdoutPercent"] = 80;
        var missingTemplate = JsonNode.Parse(created.Definition.GetRawText())!;
        missingTemplate["steps"]![2]!["templateId"] = 987_654;

        var holdout = await marketer.PutAsJsonAsync($"/api/flows/{created.Id}/draft", new { definition = tooMuchHoldout });
        var template = await marketer.PutAsJsonAsync($"/api/flows/{created.Id}/draft", new { definition = missingTemplate });
        var unknown = await marketer.PostAsJsonAsync("/api/flows", new { readyMade = "black_friday" });

        holdout.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await holdout.Content.ReadFromJsonAsync<ProblemDto>())!.Detail.ShouldBe("Step \"Welcome\": the holdout must be between 0 % and 50 %.");
        template.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await template.Content.ReadFromJsonAsync<ProblemDto>())!.Detail.ShouldBe("Step \"Favourites\": the e-mail template #987654 does not exist (any more); choose another.");
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadFromJsonAsync<ProblemDto>())!.Detail!.ShouldStartWith("There is no ready-made flow “black_friday”");
        var stored = (await marketer.GetFromJsonAsync<FlowDto>($"/api/flows/{created.Id}", Json))!;
        stored.Definition.GetRawText().ShouldBe(created.Definition.GetRawText());

        (await marketer.DeleteAsync($"/api/flows/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent, "a draft never live can be deleted");
        (await marketer.GetAsync($"/api/flows/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheWinBackFlowStartsFromAChurnRiskSegmentItCreatesOnce()
    {
        var marketer = await ApiClientAsync("marketer@demo.local");

        var first = (await (await marketer.PostAsJsonAsync("/api/flows", new { readyMade = ReadyMadeFlows.WinBack })).Content.ReadFromJsonAsync<FlowDto>(Json))!;
        var second = (await (await marketer.PostAsJsonAsync("/api/flows", new { readyMade = ReadyMadeFlows.WinBack, name = "Win-back B" })).Content.ReadFromJsonAsync<FlowDto>(Json))!;

        var trigger = FlowDefinitionJson.Parse(first.Definition.GetRawText()).Definition!.Trigger.ShouldBeOfType<SegmentEntryTrigger>();
        FlowDefinitionJson.Parse(second.Definition.GetRawText()).Definition!.Trigger.ShouldBe(trigger, "the second start reuses the segment");
        second.Name.ShouldBe("Win-back B");
        await using var db = await Db.CreateDbContextAsync();
        var segment = await db.Segments.AsNoTracking().SingleAsync(s => s.Id == trigger.SegmentId);
        segment.RuleJson!.ShouldContain(Domain.Segments.Rules.RuleFields.ChurnRisk);
        (await marketer.PostAsync($"/api/flows/{first.Id}/publish", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<int> PublishedAsync(HttpClient client, string readyMade)
    {
        var created = await client.PostAsJsonAsync("/api/flows", new { readyMade });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<FlowDto>(Json))!.Id;
        var published = await client.PostAsync($"/api/flows/{id}/publish", null);
        published.StatusCode.ShouldBe(HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>"Flow status: its campaigns' statuses", e.g. "Live: Sending, Sending".</summary>
    private async Task<string> StatusesAsync(int id)
    {
        await using var db = await Db.CreateDbContextAsync();
        var flow = await db.Flows.AsNoTracking().SingleAsync(f => f.Id == id);
        var campaigns = await db.Campaigns.AsNoTracking().Where(c => c.FlowId == id).OrderBy(c => c.Id).Select(c => c.Status).ToListAsync();
        return $"{flow.Status}: {string.Join(", ", campaigns)}";
    }

    private IDbContextFactory<AppDbContext> Db => app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private async Task<HttpClient> ApiClientAsync(string email)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private sealed record FlowDto(int Id, string Name, string Status, DateTime? LiveSince, int? LiveVersion, int? DraftVersion, int ShownVersion, JsonElement Definition,
        Dictionary<string, int> WaitingAtStep, int OnOlderVersions);

    private sealed record FlowItemDto(int Id, string Name, string Status, string Trigger, int Active);

    private sealed record ProblemDto(string? Title, string? Detail);
}
