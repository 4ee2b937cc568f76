using System.Security.Claims;
using Bunit;
using CampaignStudio.Data;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Domain.Segments.Rules;
using CampaignStudio.Web.Features.Segments;
using CampaignStudio.Web.Infrastructure;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CampaignStudio.Web.Tests.Components;

public sealed class SegmentBuilderTests : MudTestContext
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cs-bunit-" + Guid.NewGuid().ToString("N"));

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

    private async Task UseStudioDatabaseAsync()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = _folder }).Build();
        Services.AddSingleton<IConfiguration>(config);
        Services.AddSingleton(TimeProvider.System);
        Services.AddStudioData(_folder);
        Services.AddHttpContextAccessor();
        var auth = AddAuthorization();
        auth.SetAuthorized("marketer@demo.local");
        auth.SetRoles(Roles.Marketer);
        auth.SetPolicies(Policies.CanRead, Policies.CanEdit);
        Services.AddScoped<CurrentUser>();
        Services.AddScoped<SegmentService>();
        var factory = Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await DatabaseMigrator.MigrateAsync(factory);
        Services.GetRequiredService<CurrentUser>().Use(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "m"), new Claim(ClaimTypes.Role, Roles.Marketer)], "test")));

        // Three opted-in customers, one of them in Austria; one more who never agreed to e-mail.
        var csv = "email,country\na@example.com,Germany\nb@example.com,Austria\nc@example.com,France\nd@example.com,Austria\n";
        await new CsvImporter(factory, TimeProvider.System).ImportAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), ImportKind.Customers,
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
