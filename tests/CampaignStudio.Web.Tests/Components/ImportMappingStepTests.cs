using Bunit;
using CampaignStudio.Data.Import;
using CampaignStudio.Domain.Imports;
using CampaignStudio.Web.Features.Customers;
using CampaignStudio.Web.Tests.Support;

namespace CampaignStudio.Web.Tests.Components;

public sealed class ImportMappingStepTests : MudTestContext
{
    private static readonly string[] Headers = ["Email", "First Name", "Shoe size"];

    [Fact]
    public void ShowsEachColumnWithSamplesAndTheSuggestedTarget()
    {
        var mapping = ImportFields.Suggest(ImportKind.Customers, Headers);

        var step = Render<ImportMappingStep>(p => p
            .Add(s => s.Kind, ImportKind.Customers)
            .Add(s => s.Mapping, mapping)
            .Add(s => s.Rows, [["a@example.com", "Anna", "38"], ["b@example.com", "Ben", "44"]]));

        var rows = step.FindAll("[data-testid=mapping-table] tbody tr");
        rows.Count.ShouldBe(3);
        rows[0].TextContent.ShouldContain("a@example.com · b@example.com");
        step.Find("input[data-testid=target-0], [data-testid=target-0] input").GetAttribute("value").ShouldBe("E-mail");
        step.Find("input[data-testid=target-2], [data-testid=target-2] input").GetAttribute("value").ShouldBe("Custom attribute “shoe_size”");
        step.FindAll("[data-testid=mapping-problem]").ShouldBeEmpty();
    }

    [Fact]
    public void UnmappingTheKeyColumnShowsWhatIsMissingAndReportsTheChange()
    {
        RenderPopovers();
        var mapping = ImportFields.Suggest(ImportKind.Customers, Headers);
        ImportMapping? changed = null;
        var step = Render<ImportMappingStep>(p => p
            .Add(s => s.Kind, ImportKind.Customers)
            .Add(s => s.Mapping, mapping)
            .Add(s => s.MappingChanged, (ImportMapping m) => changed = m));

        // The first column's target (the step also has a select for the date form).
        var select = step.FindComponents<MudBlazor.MudSelect<string>>().Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), "target-0"));
        step.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(ImportFields.Ignore));

        step.WaitForAssertion(() => step.Find("[data-testid=mapping-problem]").TextContent.ShouldContain("Map a column to E-mail"));
        changed.ShouldNotBeNull();
        changed.Columns[0].Target.ShouldBe(ImportFields.Ignore);
    }

    [Fact]
    public void SwitchingToExternalIdMatchingRequiresAnExternalIdColumn()
    {
        var mapping = ImportFields.Suggest(ImportKind.Customers, Headers);
        var step = Render<ImportMappingStep>(p => p.Add(s => s.Kind, ImportKind.Customers).Add(s => s.Mapping, mapping));

        var group = step.FindComponent<MudBlazor.MudRadioGroup<string>>();
        step.InvokeAsync(() => group.Instance.ValueChanged.InvokeAsync(ImportFields.ExternalId));
        step.Render();

        step.Find("[data-testid=mapping-problem]").TextContent.ShouldContain("External id");
    }
}
