using System.Globalization;
using CampaignStudio.Analytics.Lifetime;

namespace CampaignStudio.Analytics.Tests.Lifetime;

/// <summary>The CDNOW data sets from the shared data folder (never copied into the repository).</summary>
internal static class CdnowData
{
    public const string SummaryPath = "/work/shared/data/cdnow_customers_summary.txt";
    public const string MasterPath = "/work/shared/data/cdnow_master.txt";

    private static readonly Lazy<List<RepeatHistory>> _summary = new(ReadSummary);
    private static readonly Lazy<List<PurchasePoint>> _master = new(ReadMaster);

    /// <summary>Fader, Hardie &amp; Lee's 2,357-customer sample: x, t_x, T in weeks.</summary>
    public static IReadOnlyList<RepeatHistory> Summary => _summary.Value;

    /// <summary>The full log, 69,659 purchase lines of 23,570 customers.</summary>
    public static IReadOnlyList<PurchasePoint> Master => _master.Value;

    /// <summary>The published split: calibration to the end of September 1997, holdout to the end of June 1998.</summary>
    public static readonly DateTime CalibrationEnd = new(1997, 9, 30, 23, 59, 59, DateTimeKind.Utc);

    public static readonly DateTime HoldoutEnd = new(1998, 6, 30, 23, 59, 59, DateTimeKind.Utc);

    private static List<RepeatHistory> ReadSummary() =>
        [.. File.ReadLines(SummaryPath).Skip(1).Where(l => l.Trim().Length > 0).Select(line =>
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new RepeatHistory(int.Parse(f[1], CultureInfo.InvariantCulture), Number(f[2]), Number(f[3]));
        })];

    private static List<PurchasePoint> ReadMaster() =>
        [.. File.ReadLines(MasterPath).Skip(1).Where(l => l.Trim().Length > 0).Select(line =>
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var day = DateTime.ParseExact(f[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            return new PurchasePoint(long.Parse(f[0], CultureInfo.InvariantCulture), day, Number(f[3]));
        })];

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
