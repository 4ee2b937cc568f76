using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using CampaignStudio.Data;
using CampaignStudio.TestSupport.Web;
using CampaignStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CampaignStudio.Web.Tests.Api;

/// <summary>The CSV import through the API (issue 11): upload, status with every line accounted for, refused rows for the roles that may see them.</summary>
public sealed class ImportsApiTests(StudioAppFactory app) : IClassFixture<StudioAppFactory>
{
    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", await app.ApiKeyForAsync(email));
        return client;
    }

    private static MultipartFormDataContent Upload(byte[] file, string? kind = "customers", params (string Name, string Value)[] fields)
    {
        var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(part, "file", "customers.csv");
        if (kind is not null)
        {
            content.Add(new StringContent(kind), "kind");
        }

        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        return content;
    }

    /// <summary>Polls the status route until the job is finished: a condition, not a fixed sleep; fails after 3 minutes (a busy CI machine).</summary>
    private static async Task<ImportStatusDto> FinishedAsync(HttpClient client, Uri location)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var status = (await client.GetFromJsonAsync<ImportStatusDto>(location))!;
            if (status.Status is "Completed" or "Failed" or "Cancelled" or "Interrupted")
            {
                return status;
            }

            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(3), $"the import did not finish: {status}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AFileWith250StrayQuotesImportsThroughTheApiAndEveryLineIsAccountedFor()
    {
        var client = await ClientAsync("marketer@demo.local");
        var csv = new StringBuilder("email,first_name,city\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append(i % 40 == 7 ? $"api{i}@example.com,\"unterminated,Berlin\n" : $"api{i}@example.com,Person {i},Berlin\n");
        }

        csv.Append('\n');

        var response = await client.PostAsync("/api/imports", Upload(Encoding.UTF8.GetBytes(csv.ToString())));

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var accepted = (await response.Content.ReadFromJsonAsync<ImportStatusDto>())!;
        response.Headers.Location!.OriginalString.ShouldBe($"/api/imports/{accepted.Id}");
        var done = await FinishedAsync(client, response.Headers.Location);
        done.Status.ShouldBe("Completed");
        (done.LinesRead, done.New, done.Updated, done.Refused, done.Blank, done.ContinuationLines).ShouldBe((10_001L, 9_750L, 0L, 250L, 1L, 0L));
        done.EveryLineAccountedFor.ShouldBeTrue();

        var errors = await client.GetStringAsync($"/api/imports/{accepted.Id}/errors.csv");
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(251);
        lines[1].ShouldStartWith("9,");
    }

    [Fact]
    public async Task ANonUtf8FileNeedsItsEncodingAndEachBadFileGetsASentence()
    {
        var client = await ClientAsync("marketer@demo.local");
        var latin1 = Encoding.Latin1.GetBytes("email,first_name\njuergen.api@example.com,Jürgen\n");

        var refused = await client.PostAsync("/api/imports", Upload(latin1));
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("not UTF-8");

        var accepted = await client.PostAsync("/api/imports", Upload(latin1, "customers", ("encoding", "windows-1252")));
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await FinishedAsync(client, accepted.Headers.Location!)).New.ShouldBe(1);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            (await db.Customers.SingleAsync(c => c.Email == "juergen.api@example.com")).FirstName.ShouldBe("Jürgen");
        }

        foreach (var (file, kind, fields, sentence) in new (byte[], string?, (string, string)[], string)[]
        {
            ([], "customers", [], "The file is empty"),
            ("email,first_name\n"u8.ToArray(), "customers", [], "only a header row"),
            ("email,Email\na@example.com,b\n"u8.ToArray(), "customers", [], "names columns 1 and 2"),
            ([0x50, 0x4B, 3, 4, 0, 0, 0], "customers", [], "Excel workbook"),
            ("email\na@example.com\n"u8.ToArray(), "orders", [], "kind must be customers, purchases, events or products"),
            ("email\na@example.com\n"u8.ToArray(), null, [], "kind must be customers, purchases, events or products"),
            ("email\na@example.com\n"u8.ToArray(), "customers", [("dateFormat", "dd-mm-yy")], "Unknown date format"),
            ("email\na@example.com\n"u8.ToArray(), "customers", [("encoding", "klingon")], "Unknown encoding"),
            ("email\na@example.com\n"u8.ToArray(), "customers", [("duplicates", "sometimes")], "duplicates must be"),
            ("email\na@example.com\n"u8.ToArray(), "customers", [("mapping", "{not json")], "mapping"),
        })
        {
            var response = await client.PostAsync("/api/imports", Upload(file, kind, fields));
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, sentence);
            (await response.Content.ReadAsStringAsync()).ShouldContain(sentence, Case.Insensitive);
        }
    }

    [Fact]
    public async Task ADuplicateRowIsReportedUnlessLastWinsIsChosen()
    {
        var client = await ClientAsync("marketer@demo.local");
        var file = "email,first_name\ndup.api@example.com,Anna\ndup.api@example.com,Annie\n"u8.ToArray();

        var refused = await FinishedAsync(client, (await client.PostAsync("/api/imports", Upload(file))).Headers.Location!);
        (refused.New, refused.Refused).ShouldBe((1L, 1L));

        var lastWins = await FinishedAsync(client, (await client.PostAsync("/api/imports", Upload(file, "customers", ("duplicates", "last-wins")))).Headers.Location!);
        (lastWins.Updated, lastWins.Refused, lastWins.ReplacedRows).ShouldBe((2L, 0L, 1L));
    }

    [Fact]
    public async Task ManagersReadTheStatusButNeitherImportNorSeeRefusedRowsAndEveryDownloadIsAudited()
    {
        var marketer = await ClientAsync("marketer@demo.local");
        var manager = await ClientAsync("manager@demo.local");
        var started = await marketer.PostAsync("/api/imports", Upload("email\nnot-an-address\n"u8.ToArray()));
        var location = started.Headers.Location!;
        var id = (await FinishedAsync(marketer, location)).Id;

        (await manager.PostAsync("/api/imports", Upload("email\nm@example.com\n"u8.ToArray()))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await manager.GetFromJsonAsync<ImportStatusDto>(location))!.Refused.ShouldBe(1);
        (await manager.GetAsync($"/api/imports/{id}/errors.csv")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await marketer.GetAsync("/api/imports/999999")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await marketer.GetAsync("/api/imports/999999/errors.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var csv = await marketer.GetStringAsync($"/api/imports/{id}/errors.csv");
        csv.ShouldContain("not-an-address");

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(a => a.EntityType == "ImportJob" && a.EntityId == id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToListAsync();
        audit.Single().Actor.ShouldBe("marketer@demo.local");
        audit.Single().Action.ShouldBe("import.refused-rows.downloaded");
    }

    [Fact]
    public async Task TheImportRoutesAreInTheOpenApiDocumentWithSummaries()
    {
        var openApi = await app.CreateClient().GetStringAsync("/openapi/v1.json");

        openApi.ShouldContain("\"/api/imports\"");
        openApi.ShouldContain("\"/api/imports/{id}\"");
        openApi.ShouldContain("multipart/form-data");
        openApi.ShouldContain("lines read = new + updated + refused + blank");
    }

    private sealed record ImportStatusDto(int Id, string Kind, string Status, long LinesRead, long New, long Updated, long Refused, long Blank, long ContinuationLines,
        long ReplacedRows, bool EveryLineAccountedFor, string? Message);
}
