using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace CampaignStudio.Web.Tests.Support;

/// <summary>The shared bUnit setup for MudBlazor components: loose JS interop, Mud services, a popover provider.</summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;

        // bUnit gives a JS call left pending, and every WaitFor, one second by default; with the suite's projects running side by
        // side on two cores, a test can take longer than that between a call and the step that answers it.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers async-only disposables: the container must be disposed asynchronously.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await CleanupAsync();
    }

    /// <summary>Runs after the container is disposed (e.g. to delete a temp database).</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    /// <summary>Renders the popover provider, so selects and menus have somewhere to open.</summary>
    protected IRenderedComponent<MudPopoverProvider> RenderPopovers() => Render<MudPopoverProvider>();
}
