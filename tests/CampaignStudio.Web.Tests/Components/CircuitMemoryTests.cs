using System.Reflection;
using Bunit;
using CampaignStudio.Web.Components.Layout;
using CampaignStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CampaignStudio.Web.Tests.Components;

/// <summary>
/// What every open circuit keeps of the layout (decision 061): the theme's style sheets are one string shared by all
/// circuits, and the menu is one component that still looks and behaves like MudBlazor's.
/// </summary>
public sealed class CircuitMemoryTests : MudTestContext
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoCircuitsHoldOneThemeSheetThatIsMudBlazorsOwn(bool dark)
    {
        // Each test context is its own renderer, as each circuit is.
        await using var other = new CircuitLike();
        var first = Render<StudioThemeProvider>(p => p.Add(c => c.Theme, StudioTheme.Theme).Add(c => c.IsDarkMode, dark));
        var second = other.Render<StudioThemeProvider>(p => p.Add(c => c.Theme, StudioTheme.Theme).Add(c => c.IsDarkMode, dark));

        var sheet = ThemeSheet(Renderer, first.ComponentId);
        ReferenceEquals(sheet, ThemeSheet(other.Renderer, second.ComponentId)).ShouldBeTrue("both circuits hold the same string");
        sheet.ShouldContain(dark ? "--mud-palette-primary: rgba(123,150,255,1)" : "--mud-palette-primary: rgba(59,91,219,1)");

        // The same style sheets MudBlazor's provider writes, so nothing on screen changes; its own provider gives each
        // circuit a copy of its own.
        var mud = other.Render<MudThemeProvider>(p => p.Add(c => c.Theme, StudioTheme.Theme).Add(c => c.IsDarkMode, dark));
        var mudElsewhere = Render<MudThemeProvider>(p => p.Add(c => c.Theme, StudioTheme.Theme).Add(c => c.IsDarkMode, dark));
        first.Markup.ShouldBe(mud.Markup);
        ReferenceEquals(ThemeSheet(other.Renderer, mud.ComponentId), ThemeSheet(Renderer, mudElsewhere.ComponentId)).ShouldBeFalse();
    }

    [Fact]
    public void TheMenuIsOneComponentInMudBlazorsMarkupAndMarksThePageYouAreOn()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/segments/12/edit");

        var menu = Render<NavMenu>();
        var mud = Render<MudNavMenu>(p => p.Add(c => c.Class, "pt-2").Add(c => c.Bordered, true).Add(c => c.ChildContent, (RenderFragment)(builder =>
        {
            foreach (var item in NavMenu.Items)
            {
                builder.OpenComponent<MudNavLink>(0);
                builder.AddAttribute(1, nameof(MudNavLink.Href), item.Href);
                builder.AddAttribute(2, nameof(MudNavLink.Match), item.Prefix ? NavLinkMatch.Prefix : NavLinkMatch.All);
                builder.AddAttribute(3, nameof(MudNavLink.Icon), item.Icon);
                builder.AddAttribute(4, nameof(MudNavLink.ChildContent), (RenderFragment)(text => text.AddContent(0, item.Text)));
                builder.CloseComponent();
            }
        })));

        // No component below the menu: twelve links, one component.
        menu.FindComponents<MudNavLink>().ShouldBeEmpty();
        menu.FindComponents<MudIcon>().ShouldBeEmpty();
        menu.FindComponents<Microsoft.AspNetCore.Components.Routing.NavLink>().ShouldBeEmpty();

        var ours = menu.FindAll("a");
        var theirs = mud.FindAll("a");
        ours.Count.ShouldBe(12);
        menu.Find("nav").ClassName.ShouldBe(mud.Find("nav").ClassName);
        for (var i = 0; i < theirs.Count; i++)
        {
            ours[i].GetAttribute("href").ShouldBe(theirs[i].GetAttribute("href"));
            ours[i].ClassList.OrderBy(c => c).ShouldBe(theirs[i].ClassList.OrderBy(c => c), $"link {ours[i].TextContent.Trim()}");
            ours[i].GetAttribute("aria-current").ShouldBe(theirs[i].GetAttribute("aria-current"));
            ours[i].TextContent.Trim().ShouldBe(theirs[i].TextContent.Trim());
            ours[i].QuerySelector("svg")!.ClassName.ShouldBe(theirs[i].QuerySelector("svg")!.ClassName);
            ours[i].QuerySelector("svg")!.InnerHtml.ShouldBe(theirs[i].QuerySelector("svg")!.InnerHtml);
            ours[i].ParentElement!.ClassName.ShouldBe(theirs[i].ParentElement!.ClassName);
        }

        menu.Find("a.active").TextContent.Trim().ShouldBe("Segments");

        // The dashboard is active on its own address only; a move elsewhere moves the mark.
        navigation.NavigateTo("/");
        menu.WaitForAssertion(() => menu.Find("a.active").TextContent.Trim().ShouldBe("Dashboard"));
        navigation.NavigateTo("/settings?tab=keys");
        menu.WaitForAssertion(() => menu.Find("a.active").TextContent.Trim().ShouldBe("Settings"));
        menu.FindAll("a.active").Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("", "/", true)]
    [InlineData("customers", "/", false)]
    [InlineData("customers", "/customers", true)]
    [InlineData("customers/12", "/customers", true)]
    [InlineData("customers?page=2", "/customers", true)]
    [InlineData("customers-archive", "/customers", false)]
    [InlineData("Segments/", "/segments", true)]
    public void ALinkIsActiveByNavLinksRule(string path, string href, bool active) =>
        NavMenu.IsActive(path, NavMenu.Items.Single(i => i.Href == href)).ShouldBe(active);

    // Renderer.GetCurrentRenderTreeFrames is protected: what a circuit's renderer holds for the component (BL0006: the
    // frames are the framework's own types, read here on purpose).
#pragma warning disable BL0006
    private static string ThemeSheet(Renderer renderer, int componentId)
    {
        var frames = (ArrayRange<RenderTreeFrame>)typeof(Renderer)
            .GetMethod("GetCurrentRenderTreeFrames", BindingFlags.Instance | BindingFlags.NonPublic)!
            .Invoke(renderer, [componentId])!;
        return frames.Array.Take(frames.Count).Single(f => f.FrameType == RenderTreeFrameType.Markup && f.MarkupContent.Contains("mud-theme-provider", StringComparison.Ordinal)).MarkupContent;
    }

#pragma warning restore BL0006

    private sealed class CircuitLike : MudTestContext;
}
