using System.Security.Claims;
using Bunit;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.TestSupport;
using CampaignStudio.Web.Features.Segments;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;

namespace CampaignStudio.Web.Tests.Components;

public sealed class SegmentBuilderTests : MudTestContext
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-bunit-" + Guid.NewGuid().ToString("N"));
    private readonly StudioClock _clock = new();

    [Fact]
    public void AddingAConditionAndAGroupChangesTheRuleAndReportsEachChange()
    {
        var root = new RuleGroupModel();
        var changes = 0;
        var editor = Render<RuleGroupEditor>(p => p.Add(e => e.Group, root).Add(e => e.Changed, () => changes++));

        // MudButton's click handler may complete after Click() returns: wait for the render, not the call.
        editor.Find("[data-testid=add-condition]").Click();
        editor.WaitForAssertion(() => editor.FindAll("[data-testid=rule-condition]").Count.ShouldBe(1));
        editor.Find("[data-testid=add-group]").Click();

        editor.WaitForAssertion(() => editor.FindAll("[data-testid=rule-group]").Count.ShouldBe(2));
        changes.ShouldBe(2);
        var rule = RuleEditorModel.ToRule(root);
        var group = rule.Root.ShouldBeOfType<RuleGroup>();
        group.Children.Count.ShouldBe(2);
        group.Children[1].ShouldBeOfType<RuleGroup>().Operator.ShouldBe(GroupOperator.Or);
    }

    [Fact]
    public void ChangingTheGroupOperatorAndAConditionsFieldKeepsTheRuleValid()
    {
        RenderPopovers();
        var root = new RuleGroupModel();
        var editor = Render<RuleGroupEditor>(p => p.Add(e => e.Group, root));
        editor.Find("[data-testid=add-condition]").Click();
        editor.WaitForAssertion(() => editor.FindAll("[data-testid=rule-condition]").Count.ShouldBe(1));

        var groupOperator = editor.FindComponent<MudSelect<GroupOperator>>();
        editor.InvokeAsync(() => groupOperator.Instance.ValueChanged.InvokeAsync(GroupOperator.Not));
        var field = editor.FindComponents<MudSelect<string>>().First();
        editor.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(RuleFields.PurchaseCount));

        root.Operator.ShouldBe(GroupOperator.Not);
        var condition = (RuleConditionModel)root.Children.Single();
        condition.Field.ShouldBe(RuleFields.PurchaseCount);
        RuleFields.Find(RuleFields.PurchaseCount)!.Operators.ShouldContain(condition.Operator);
        editor.WaitForAssertion(() => editor.Markup.ShouldContain("in the last"));
    }

    [Fact]
    public async Task TheMemberCountRefreshesAfterAnEdit()
    {
        await UseStudioDatabaseAsync();
        var page = Render<SegmentEditorPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("3"), TimeSpan.FromSeconds(10));

        // Narrow to one country: the count follows after the debounce.
        var condition = new RuleConditionModel();
        condition.ChangeField(RuleFields.Country);
        condition.Value = "Austria";
        var root = page.FindComponent<RuleGroupEditor>().Instance.Group;
        root.Children.Add(condition);
        await page.InvokeAsync(() => page.FindComponent<RuleGroupEditor>().Instance.Changed.InvokeAsync());

        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("1"), TimeSpan.FromSeconds(10));
        page.Find("[data-testid=member-sample]").TextContent.ShouldContain("b@example.com");
    }

    [Fact]
    public async Task ChoicesShowInTheMarketersWordsNotAsStoredNames()
    {
        var popovers = RenderPopovers();
        var consent = new RuleConditionModel();
        consent.ChangeField(RuleFields.EmailConsent);
        consent.Value = "OptedIn";
        var band = new RuleConditionModel();
        band.ChangeField(RuleFields.PredictedValue);
        band.Value = "Top";
        var root = new RuleGroupModel { Children = { consent, band } };
        var editor = Render<RuleGroupEditor>(p => p.Add(e => e.Group, root));

        foreach (var select in editor.FindComponents<MudSelect<string>>().Where(s => s.Instance.GetState(x => x.Value) is "OptedIn" or "Top"))
        {
            await editor.InvokeAsync(() => select.Instance.OpenMenu());
        }

        popovers.WaitForAssertion(() => popovers.Markup.ShouldContain("Complained"));
        var everything = editor.Markup + popovers.Markup;
        everything.ShouldContain("Pending confirmation");
        everything.ShouldContain("Opted in");
        everything.ShouldContain("Opted out");
        everything.ShouldContain("Top 10 %");
        foreach (var raw in new[] { "OptedIn", "OptedOut", ">Top<", "\"Top\"", ">Pending<" })
        {
            everything.ShouldNotContain(raw);
        }
    }

    [Fact]
    public async Task ACategoryListOffersTheShopsValuesAndAddsAPickedOneOnce()
    {
        var asked = new List<(string Field, string? Text)>();
        Task<IReadOnlyList<string>> Suggest(string field, string? text, CancellationToken ct)
        {
            asked.Add((field, text));
            return Task.FromResult<IReadOnlyList<string>>(["Books", "Toys", "Garden"]);
        }

        var condition = new RuleConditionModel();
        condition.ChangeField(RuleFields.PurchasedCategory);
        condition.Operator = RuleOperators.In;
        var editor = Render<RuleConditionEditor>(p => p.Add(e => e.Condition, condition).Add(e => e.SuggestValues, Suggest));

        var picker = editor.FindComponent<MudAutocomplete<string>>();
        var search = picker.Instance.SearchFunc.ShouldNotBeNull();
        (await search("bo", CancellationToken.None)!).ShouldBe(["Books", "Toys", "Garden"]);
        asked.ShouldBe([(RuleFields.PurchasedCategory, "bo")]);

        await editor.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync("Books"));
        await editor.InvokeAsync(() => editor.FindComponent<MudAutocomplete<string>>().Instance.ValueChanged.InvokeAsync("Toys"));
        await editor.InvokeAsync(() => editor.FindComponent<MudAutocomplete<string>>().Instance.ValueChanged.InvokeAsync("books"));

        condition.ValuesText.ShouldBe("Books, Toys");
        RuleEditorModel.ToCondition(condition).Values.ShouldBe(["Books", "Toys"]);
    }

    [Fact]
    public async Task AConditionNotFilledInYetIsLeftOutOfTheCountWithoutAnError()
    {
        await UseStudioDatabaseAsync();
        var page = Render<SegmentEditorPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("3"), TimeSpan.FromSeconds(10));

        // "Add condition" gives a country condition with no value yet: nothing to complain about, nothing to count.
        page.Find("[data-testid=add-condition]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=rule-unfinished]").TextContent.ShouldContain("Condition 2 (Country)"), TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=rule-problem]").ShouldBeEmpty();
        page.Find("[data-testid=member-count]").TextContent.ShouldBe("3");
        page.Markup.ShouldNotContain("$.root");
    }

    [Fact]
    public async Task AWrongValueIsReportedWithTheConditionItIsInNamedInWords()
    {
        await UseStudioDatabaseAsync();
        var page = Render<SegmentEditorPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("3"), TimeSpan.FromSeconds(10));

        var purchases = new RuleConditionModel();
        purchases.ChangeField(RuleFields.PurchaseCount);
        purchases.Operator = RuleOperators.AtLeast;
        purchases.Value = "abc";
        var root = page.FindComponent<RuleGroupEditor>().Instance.Group;
        root.Children.Add(new RuleGroupModel { Operator = GroupOperator.Or, Children = { purchases } });
        await page.InvokeAsync(() => page.FindComponent<RuleGroupEditor>().Instance.Changed.InvokeAsync());

        page.WaitForAssertion(() => page.Find("[data-testid=rule-problem]").TextContent.Trim()
            .ShouldBe("Condition 1 (Number of purchases) in group 2, “Any of these match”: enter a whole number, not “abc”."), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task SavingNeedsEveryConditionFilledInAndSaysWhichOneInWords()
    {
        await UseStudioDatabaseAsync();
        var page = Render<SegmentEditorPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("3"), TimeSpan.FromSeconds(10));
        page.Find("input[data-testid=segment-name], [data-testid=segment-name] input").Input("Austrians");
        page.Find("[data-testid=add-condition]").Click();

        page.Find("[data-testid=save-segment]").Click();

        page.WaitForAssertion(() => page.Find("[data-testid=save-error]").TextContent.Trim()
            .ShouldBe("Condition 2 (Country) in “All of these match”: enter a value (to find customers without one, use “is empty”)."));
        await using var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        (await db.Segments.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task AManagerSeesTheRuleButNoButtonsThatWouldChangeIt()
    {
        await UseStudioDatabaseAsync(Roles.Manager);
        int id;
        await using (var db = await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var segment = new Domain.Segments.Segment
            {
                Name = "Austrians",
                Kind = Domain.Segments.SegmentKind.Rule,
                RuleJson = SegmentRuleJson.Serialize(new SegmentRule
                {
                    Root = new RuleGroup(GroupOperator.And, [new RuleCondition(RuleFields.Country, RuleOperators.EqualTo) { Value = "Austria" }]),
                }),
            };
            db.Segments.Add(segment);
            await db.SaveChangesAsync();
            id = segment.Id;
        }

        var page = Render<SegmentEditorPage>(p => p.Add(e => e.Id, id));

        page.WaitForAssertion(() => page.Find("[data-testid=member-count]").TextContent.ShouldBe("2"), TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=add-condition], [data-testid=add-group], [data-testid=save-segment], [data-testid=duplicate-segment]").ShouldBeEmpty();
        page.FindAll("[aria-label='Remove condition'], [aria-label='Remove group']").ShouldBeEmpty();
        page.FindComponents<MudSelect<string>>().ShouldAllBe(s => s.Instance.ReadOnly);
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
        Services.AddScoped<SegmentService>();
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await DatabaseMigrator.MigrateAsync(factory);
        Services.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "m"), new Claim(ClaimTypes.Role, role)], "test")));

        // Three opted-in customers, one of them in Austria; one more who never agreed to e-mail.
        var csv = "email,country\na@example.com,Germany\nb@example.com,Austria\nc@example.com,France\nd@example.com,Austria\n";
        await new CsvImporter(factory, _clock).ImportAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), ImportKind.Customers,
            ImportFields.Suggest(ImportKind.Customers, ["email", "country"]));
        await using var db = await factory.CreateDbContextAsync();
        await db.Customers.Where(c => c.Email != "d@example.com").ExecuteUpdateAsync(s => s.SetProperty(c => c.EmailConsent, Domain.Consent.ConsentStatus.OptedIn));
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
