using System.Security.Claims;
using Bunit;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Flows;
using CampaignStudio.TestSupport;
using CampaignStudio.Web.Features.Flows;
using CampaignStudio.Web.Features.Privacy;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Components;

/// <summary>The flow list and editor on a real SQLite file: the diagram with its branches and live counts, edits, errors in words, read-only for managers.</summary>
public sealed class FlowEditorTests : MudTestContext
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-bunit-" + Guid.NewGuid().ToString("N"));
    private readonly StudioClock _clock = new();

    [Fact]
    public async Task TheAbandonedCartDiagramShowsItsBranchesSideBySideAndWhoIsWaitingWhere()
    {
        await UseStudioDatabaseAsync();
        var id = await FlowAsync(ReadyMadeFlows.AbandonedCart);
        await EnrolAsync(id, "wait-order", "a@example.com", "b@example.com");

        var page = Render<FlowEditorPage>(p => p.Add(e => e.Id, id));

        page.WaitForAssertion(() => page.FindAll("[data-testid=flow-step]").Count.ShouldBe(7), TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=flow-branches]").Count.ShouldBe(2, "the wait for the order and the condition split");
        page.FindAll("[data-testid=flow-branch]").Count.ShouldBe(4);
        Words(page, "wait-1h").ShouldBe("Wait 1 hour");
        Words(page, "cart-reminder").ShouldBe("Send “Cart · Your cart is waiting” · 10 % holdout");
        Words(page, "wait-order").ShouldBe("Wait up to 23 hours for “order_placed”");
        Words(page, "cart-offer").ShouldContain("discount 10%");
        Card(page, "wait-order").QuerySelector("[data-testid=step-waiting]")!.TextContent.Trim().ShouldBe("2");
        Card(page, "cart-reminder").QuerySelector("[data-testid=step-waiting]").ShouldBeNull();
        page.Find("[data-testid=flow-trigger]").TextContent.ShouldContain("When “cart_abandoned” happens");
        page.Find("[data-testid=flow-version]").TextContent.ShouldBe("Version 1 · draft, never live");

        // The offer goes down "Yes" of the split, the last reminder down "No", side by side.
        var split = page.FindAll("[data-testid=flow-branches]")[1];
        split.Children.Select(c => c.QuerySelector("[data-testid=flow-step]")?.GetAttribute("data-step-id")).ShouldBe(["cart-offer", "cart-last"]);
    }

    [Fact]
    public async Task AddingMovingAndDeletingAStepChangesTheSavedDraft()
    {
        await UseStudioDatabaseAsync();
        var id = await FlowAsync(ReadyMadeFlows.Welcome);
        var page = Render<FlowEditorPage>(p => p.Add(e => e.Id, id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=flow-step]").Count.ShouldBe(5), TimeSpan.FromSeconds(10));

        // "+" after the first e-mail, a wait of 1 hour.
        page.FindAll("[data-testid=add-step]")[0].Click();
        page.WaitForAssertion(() => page.Find("[data-testid=add-kind-Wait]"));
        page.Find("[data-testid=add-kind-Wait]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=step-panel]"));
        page.Find("[data-testid=apply-step]").Click();
        page.WaitForAssertion(() => StepIds(page).ShouldBe(["welcome-1", "step-6", "wait-2d", "welcome-2", "wait-5d", "welcome-3"]));
        Words(page, "step-6").ShouldBe("Wait 1 hour");

        Card(page, "step-6").QuerySelector("[data-testid=move-up]")!.Click();
        page.WaitForAssertion(() => StepIds(page)[0].ShouldBe("step-6"));
        page.Find("[data-testid=save-draft]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=flow-notice]").TextContent.ShouldBe("Draft saved."));
        (await StoredAsync(id)).Steps.Select(s => s.Id).ShouldBe(["step-6", "welcome-1", "wait-2d", "welcome-2", "wait-5d", "welcome-3"]);

        Card(page, "wait-2d").QuerySelector("[data-testid=delete-step]")!.Click();
        page.WaitForAssertion(() => page.Find("[data-testid=flow-unsaved]"));
        page.Find("[data-testid=save-draft]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=flow-notice]"));
        (await StoredAsync(id)).Steps.Select(s => s.Id).ShouldBe(["step-6", "welcome-1", "welcome-2", "wait-5d", "welcome-3"]);
    }

    [Fact]
    public async Task AStepThatCannotGoLiveIsNamedInWordsAndTheDraftIsNotSaved()
    {
        await UseStudioDatabaseAsync();
        var id = await FlowAsync(ReadyMadeFlows.AbandonedCart);
        var page = Render<FlowEditorPage>(p => p.Add(e => e.Id, id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=flow-step]").Count.ShouldBe(7), TimeSpan.FromSeconds(10));

        Card(page, "cart-reminder").QuerySelector("[data-testid=edit-step]")!.Click();
        page.WaitForAssertion(() => page.Find("[data-testid=step-panel]"));
        page.FindComponent<FlowStepPanel>().Instance.Model.HoldoutPercent = 80;
        page.Find("[data-testid=apply-step]").Click();

        const string Sentence = "Step \"Your cart is waiting\": the holdout must be between 0 % and 50 %.";
        page.WaitForAssertion(() => page.Find("[data-testid=step-problem]").TextContent.ShouldBe(Sentence));
        page.Find("[data-testid=save-draft]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=flow-problem]").TextContent.ShouldBe(Sentence));
        new FlowMap(await StoredAsync(id)).Step("cart-reminder").ShouldBeOfType<SendEmailStep>().HoldoutPercent.ShouldBe(10);
    }

    [Fact]
    public async Task PublishingAfterTheConfirmationSwitchesTheFlowOnWithItsStepCampaigns()
    {
        await UseStudioDatabaseAsync();
        var id = await FlowAsync(ReadyMadeFlows.Welcome);
        var page = Render<FlowEditorPage>(p => p.Add(e => e.Id, id));
        page.WaitForAssertion(() => page.Find("[data-testid=publish]"), TimeSpan.FromSeconds(10));

        page.Find("[data-testid=publish]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=confirm-box]").TextContent.ShouldContain("Publish version 1?"));
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Flows.SingleAsync(f => f.Id == id)).Status.ShouldBe(FlowStatus.Draft, "nothing happens before the confirmation");
        }

        page.Find("[data-testid=confirm-action]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=flow-status]").TextContent.Trim().ShouldBe("Live"), TimeSpan.FromSeconds(10));
        page.Find("[data-testid=flow-version]").TextContent.ShouldStartWith("Version 1 · live since");
        page.FindAll("[data-testid=edit-step]").ShouldBeEmpty("the live version is not edited in place");
        page.Find("[data-testid=edit-live]");
        await using (var db = await Db.CreateDbContextAsync())
        {
            (await db.Campaigns.CountAsync(c => c.FlowId == id && c.Status == CampaignStatus.Sending)).ShouldBe(3);
        }
    }

    [Fact]
    public async Task AManagerSeesTheDiagramButNothingThatWouldChangeIt()
    {
        await UseStudioDatabaseAsync(Roles.Manager);
        var id = await FlowAsync(ReadyMadeFlows.AbandonedCart);

        var page = Render<FlowEditorPage>(p => p.Add(e => e.Id, id));

        page.WaitForAssertion(() => page.FindAll("[data-testid=flow-step]").Count.ShouldBe(7), TimeSpan.FromSeconds(10));
        page.Find("[data-testid=flow-read-only]");
        page.FindAll("[data-testid=add-step], [data-testid=edit-step], [data-testid=move-up], [data-testid=delete-step], [data-testid=save-draft], [data-testid=publish], [data-testid=delete-flow], [data-testid=apply-settings]")
            .ShouldBeEmpty();
    }

    [Fact]
    public async Task TheListOffersTheFourReadyMadeFlowsAndThenListsFlowsWithTheirCounts()
    {
        await UseStudioDatabaseAsync();
        var empty = Render<FlowsPage>();
        empty.WaitForAssertion(() => empty.Find("[data-testid=flows-empty]"), TimeSpan.FromSeconds(10));
        empty.FindAll("[data-testid^=ready-made-]").Count.ShouldBe(4);
        empty.FindAll("[data-testid^=start-]").Count.ShouldBe(4);

        var id = await FlowAsync(ReadyMadeFlows.AbandonedCart);
        await EnrolAsync(id, "wait-1h", "a@example.com");
        var list = Render<FlowsPage>();

        list.WaitForAssertion(() => list.FindAll("[data-testid=flows-table] tbody tr").Count.ShouldBe(1), TimeSpan.FromSeconds(10));
        var row = list.Find("[data-testid=flows-table] tbody tr");
        row.TextContent.ShouldContain("Abandoned cart");
        row.TextContent.ShouldContain("When “cart_abandoned” happens");
        row.QuerySelector("[data-testid=flow-status]")!.TextContent.Trim().ShouldBe("Draft");
        row.QuerySelector("[data-testid=flow-active]")!.TextContent.Trim().ShouldBe("1");
        list.FindAll("[data-testid=flows-empty]").ShouldBeEmpty();
    }

    private static string Words(IRenderedComponent<FlowEditorPage> page, string stepId) =>
        Card(page, stepId).QuerySelector("[data-testid=step-words]")!.TextContent.Trim();

    private static AngleSharp.Dom.IElement Card(IRenderedComponent<FlowEditorPage> page, string stepId) => page.Find($"[data-testid=flow-step][data-step-id='{stepId}']");

    private static List<string> StepIds(IRenderedComponent<FlowEditorPage> page) =>
        [.. page.FindAll("[data-testid=flow-step]").Select(c => c.GetAttribute("data-step-id")!)];

    private IDbContextFactory<AppDbContext> Db => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    /// <summary>
    /// A draft flow built like the ready-made start does it, written straight to the database (the role of the page's user does
    /// not matter). The abandoned cart is built as it is once an offer policy is trained: its offer behind a split.
    /// </summary>
    private async Task<int> FlowAsync(string readyMade)
    {
        await using var db = await Db.CreateDbContextAsync();
        if (readyMade == ReadyMadeFlows.AbandonedCart && !await db.PredictedOfferGains.AnyAsync())
        {
            await new TestSupport.Web.ExperimentTestBuilder(Db).CartOfferGainsAsync();
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        var definition = await ReadyMadeFlows.BuildAsync(db, readyMade, "test", now, CancellationToken.None);
        var flow = new Flow { Name = ReadyMadeFlows.Find(readyMade)!.Name, Status = FlowStatus.Draft, StartedFrom = readyMade, CreatedAt = now, UpdatedAt = now };
        db.Flows.Add(flow);
        await db.SaveChangesAsync();
        db.FlowVersions.Add(new FlowVersion { FlowId = flow.Id, Number = 1, DefinitionJson = FlowDefinitionJson.Serialize(definition), CreatedAt = now });
        await db.SaveChangesAsync();
        return flow.Id;
    }

    private async Task EnrolAsync(int flowId, string stepId, params string[] emails)
    {
        await using var db = await Db.CreateDbContextAsync();
        var version = await db.FlowVersions.Where(v => v.FlowId == flowId).Select(v => v.Id).FirstAsync();
        var customers = await db.Customers.Where(c => emails.Contains(c.Email!)).Select(c => c.Id).ToListAsync();
        customers.Count.ShouldBe(emails.Length);
        foreach (var customer in customers)
        {
            db.FlowEnrollments.Add(new FlowEnrollment
            {
                FlowId = flowId, FlowVersionId = version, CustomerId = customer, EntryNumber = 1, EnteredAt = _clock.GetUtcNow().UtcDateTime,
                State = FlowEnrollmentState.Active, StepId = stepId,
            });
        }

        await db.SaveChangesAsync();
    }

    private async Task<FlowDefinition> StoredAsync(int flowId)
    {
        await using var db = await Db.CreateDbContextAsync();
        var json = await db.FlowVersions.Where(v => v.FlowId == flowId).OrderByDescending(v => v.Number).Select(v => v.DefinitionJson).FirstAsync();
        return FlowDefinitionJson.Parse(json).Definition!;
    }

    private async Task UseStudioDatabaseAsync(string role = Roles.Marketer)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = _folder }).Build();
        Services.AddSingleton<IConfiguration>(config);
        Services.AddSingleton<TimeProvider>(_clock);
        Services.AddStudioData(_folder);
        Services.AddHttpContextAccessor();
        var auth = AddAuthorization();
        auth.SetAuthorized(role.ToLowerInvariant() + "@demo.local");
        auth.SetRoles(role);
        auth.SetPolicies(role == Roles.Manager ? [Policies.CanRead] : [Policies.CanRead, Policies.CanEdit]);
        Services.AddScoped<CurrentUser>();
        Services.AddFlowsFeature();
        Services.AddPrivacyFeature();
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await DatabaseMigrator.MigrateAsync(factory);
        Services.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "m"), new Claim(ClaimTypes.Role, role)], "test")));
        await new CsvImporter(factory, _clock).ImportAsync(new MemoryStream("email\na@example.com\nb@example.com\n"u8.ToArray()), ImportKind.Customers,
            ImportFields.Suggest(ImportKind.Customers, ["email"]));
    }

    protected override Task CleanupAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Temp leftovers are harmless.
        }

        return Task.CompletedTask;
    }
}
