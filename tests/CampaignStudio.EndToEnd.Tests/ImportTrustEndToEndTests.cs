using System.Text;
using CampaignStudio.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace CampaignStudio.EndToEnd.Tests;

/// <summary>
/// Issue 11 in the browser: a Latin-1 file asks for its encoding and shows the decoded names before anything is imported;
/// the job page accounts for every line and lists the duplicate row with the line it repeats; a Manager sees the counts
/// but not the refused rows; dark mode and a 375 px phone.
/// </summary>
public sealed class ImportTrustEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ALatin1FileWithAStrayQuoteAndADuplicateIsConfirmedImportedAndAccountedForLineByLine()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local");
        await BrowserFixture.OpenAsync(page, "/customers/import");
        var csv = "email,first_name,last_name,city\n"
            + "juergen.mueller@example.com,Jürgen,Müller,Köln\n"          // line 2
            + "zoe.lefevre@example.com,Zoé,Lefèvre,Besançon\n"            // line 3
            + "\n"                                                        // line 4: blank
            + "stray@example.com,\"unterminated,Quote,Berlin\n"            // line 5: stray quote
            + "juergen.mueller@example.com,Jürgen,Dup,Köln\n"             // line 6: duplicate of line 2
            + "anna.lang.name.that.goes.on@example.com,Anna-Maria-Theresia Konstanze,von Hohenzollern-Sigmaringen,Garmisch-Partenkirchen\n";
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=file-input]",
            new FilePayload { Name = "latin1-customers.csv", MimeType = "text/csv", Buffer = Encoding.Latin1.GetBytes(csv) });

        await page.WaitForSelectorAsync("[data-testid=encoding-choice]");
        (await page.TextContentAsync("[data-testid=encoding-choice]"))!.ShouldContain("line 2 has bytes that are not UTF-8");
        (await page.TextContentAsync("[data-testid=special-rows]"))!.ShouldContain("Jürgen · Müller · Köln");
        (await page.IsDisabledAsync("[data-testid=start-import]")).ShouldBeTrue();
        await BrowserFixture.ScreenshotAsync(page, "import-11-encoding-choice");

        await page.Locator("[data-testid=confirm-encoding]").ClickAsync();
        await page.Locator("[data-testid=start-import]:not([disabled])").WaitForAsync();
        await page.ClickAsync("[data-testid=start-import]");
        await page.WaitForURLAsync("**/customers/imports/*");
        await page.Locator("[data-testid=import-status]").Filter(new() { HasText = "Completed" }).WaitForAsync();

        (await page.TextContentAsync("[data-testid=import-accounting]"))!.ShouldContain("6 lines read = 3 new + 0 updated + 2 refused + 1 blank.");
        var refused = (await page.TextContentAsync("[data-testid=import-errors]"))!;
        refused.ShouldContain("malformed quoting");
        refused.ShouldContain("duplicate of line 2");
        await BrowserFixture.ScreenshotAsync(page, "import-11-job-summary");
        var jobUrl = page.Url;

        await page.SetViewportSizeAsync(375, 800);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-testid=import-accounting]");
        await BrowserFixture.ScreenshotAsync(page, "import-11-job-phone");

        var manager = await browser.SignedInPageAsync("manager@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(manager, jobUrl);
        await manager.WaitForSelectorAsync("[data-testid=import-accounting]");
        (await manager.TextContentAsync("[data-testid=refused-rows-hidden]"))!.ShouldContain("only Admins and Marketers");
        (await manager.Locator("[data-testid=import-errors]").CountAsync()).ShouldBe(0);
        await BrowserFixture.ScreenshotAsync(manager, "import-11-job-manager-dark");
    }

    [Fact]
    public async Task TheMappingStepOffersTheDateFormatAndLastWinsAndABinaryFileGetsASentence()
    {
        var page = await browser.SignedInPageAsync("marketer@demo.local", ColorScheme.Dark);
        await BrowserFixture.OpenAsync(page, "/customers/import");
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=file-input]",
            new FilePayload { Name = "book.xlsx", MimeType = "application/octet-stream", Buffer = [0x50, 0x4B, 3, 4, 20, 0, 6, 0] });
        (await page.Locator("[data-testid=import-error]").TextContentAsync())!.ShouldContain("Excel workbook");
        await BrowserFixture.ScreenshotAsync(page, "import-11-binary-refused-dark");

        await BrowserFixture.OpenAsync(page, "/customers/import");
        await BrowserFixture.SetInputFilesWhenReadyAsync(page, "[data-testid=file-input]",
            new FilePayload { Name = "dates.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("email,created_at\na@example.com,01.02.2021\n") });
        await page.WaitForSelectorAsync("[data-testid=mapping-table]");
        (await page.TextContentAsync("body"))!.ShouldContain("day and month are never guessed");
        (await page.TextContentAsync("[data-testid=duplicates]"))!.ShouldContain("last wins");
        await BrowserFixture.ScreenshotAsync(page, "import-11-mapping-options-dark");
    }
}
