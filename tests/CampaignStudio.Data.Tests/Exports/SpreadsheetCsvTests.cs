using System.Text;
using CampaignStudio.Data.Exports;

namespace CampaignStudio.Data.Tests.Exports;

public sealed class SpreadsheetCsvTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+49 30 1234", "'+49 30 1234")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=cmd", "'\t=cmd")]
    [InlineData("\r=cmd", "'\r=cmd")]
    [InlineData("plain", "plain")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public void FormulaLikeTextCellsAreNeutralised(string value, string expected) => SpreadsheetCsv.Safe(value).ShouldBe(expected);

    [Fact]
    public async Task HeadersStayIntactNumbersStayNumbersAndTextIsNeutralised()
    {
        using var stream = new MemoryStream();
        await SpreadsheetCsv.WriteAsync(stream, ["email", "-amount", "note"], [["=HYPERLINK(\"http://x\")", -5.5m, "@home"], [null, 3, "fine"]]);

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split("\r\n");
        lines[0].ShouldBe("email,-amount,note");
        lines[1].ShouldBe("\"'=HYPERLINK(\"\"http://x\"\")\",-5.5,'@home");
        lines[2].ShouldBe(",3,fine");
    }
}
