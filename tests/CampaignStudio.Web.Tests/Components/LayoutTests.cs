using Bunit;
using CampaignStudio.Domain.Identity;
using CampaignStudio.Web.Components.Layout;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Components;

public sealed class LayoutTests : MudTestContext
{
    [Theory]
    [InlineData(Roles.Manager, true)]
    [InlineData(Roles.Marketer, false)]
    [InlineData(Roles.Admin, false)]
    public void OnlyAReadOnlyRoleCarriesTheReadOnlyMarkOnEveryPage(string role, bool marked)
    {
        Services.AddHttpContextAccessor();
        var auth = AddAuthorization();
        auth.SetAuthorized(role.ToLowerInvariant() + "@demo.local");
        auth.SetRoles(role);
        auth.SetPolicies(role == Roles.Manager ? [Policies.CanRead] : [Policies.CanRead, Policies.CanEdit]);

        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));

        layout.WaitForAssertion(() => layout.FindAll("[data-testid=read-only-mark]").Count.ShouldBe(marked ? 1 : 0));
        if (marked)
        {
            layout.Find("[data-testid=read-only-mark]").TextContent.ShouldContain("Read-only");
        }
    }
}
