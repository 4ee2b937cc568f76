using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CampaignStudio.Sending;

/// <summary>
/// Where the send pipeline's time goes: one histogram of milliseconds per stage (tag <c>stage</c>), readable with
/// dotnet-counters, OpenTelemetry or a <see cref="MeterListener"/> (the bench's breakdown). Costs nothing while nobody listens.
/// </summary>
public static class SendStages
{
    public const string MeterName = "CampaignStudio.Sending";
    public const string InstrumentName = "campaignstudio.send.stage.duration";

    /// <summary>Finding the campaigns that are sending (once a pass).</summary>
    public const string Campaigns = "campaigns";

    /// <summary>Leasing a batch of due message rows.</summary>
    public const string Lease = "lease";

    /// <summary>Reading the sender settings, the batch's recipients again (consent, merge data, recommendations) and its templates.</summary>
    public const string Recipients = "recipients";

    /// <summary>Rendering one message and minting its signed links (per message, summed over the parallel sends).</summary>
    public const string Render = "render";

    /// <summary>Rewriting one message's HTML to signed click redirects, nothing stored (per message, summed over the parallel sends).</summary>
    public const string Links = "links";

    /// <summary>Building one MIME message (per message, summed over the parallel sends).</summary>
    public const string Mime = "mime";

    /// <summary>Waiting for room in the in-flight window (per message, summed over the parallel sends).</summary>
    public const string Window = "window";

    /// <summary>Handing one message to the transport, retries and pacing included (per message, summed over the parallel sends).</summary>
    public const string Transport = "transport";

    /// <summary>The batch's parallel send phase, wall clock (render, links, MIME, window and transport run inside it).</summary>
    public const string SendPhase = "send phase";

    /// <summary>Committing a group of outcomes to the ledger (runs beside the sends).</summary>
    public const string Record = "record";

    /// <summary>After the sends: the last outcomes committed, unsent rows released, completion and automatic-pause checks.</summary>
    public const string Finish = "finish";

    private static readonly Meter StageMeter = new(MeterName);

    private static readonly Histogram<double> Duration = StageMeter.CreateHistogram<double>(InstrumentName, "ms", "Time spent in one stage of the send pipeline.");

    /// <summary>Records the time since <paramref name="startedAt"/> (a <see cref="Stopwatch.GetTimestamp"/>) under a stage.</summary>
    internal static void Time(string stage, long startedAt)
    {
        if (Duration.Enabled)
        {
            Duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, new KeyValuePair<string, object?>("stage", stage));
        }
    }
}
