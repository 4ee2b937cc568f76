namespace CampaignStudio.Messaging.Templates;

/// <summary>
/// What one message's render may cost. A template is code a marketer writes: without bounds, one loop took the
/// server from 300 MB to 4.9 GB. Every render (preview, test send, review and real sends) runs under these limits,
/// and a render over one fails with a sentence that names the limit. See docs/decisions/036-templates-and-hardening.md.
/// </summary>
public sealed record RenderLimits
{
    public static RenderLimits Default { get; } = new();

    /// <summary>Statements run for one message (all its parts together): loops must end.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>
    /// Characters of each rendered part (subject, preheader, HTML, text) and of every text a template builds
    /// (assign, capture, filters). Gmail clips mails over 102 KB, so 500,000 is far beyond any real message.
    /// </summary>
    public int MaxTextChars { get; init; } = 500_000;

    /// <summary>Numbers in a range such as <c>(1..n)</c>, and items of a list a template builds.</summary>
    public int MaxItems { get; init; } = 10_000;

    /// <summary>
    /// Characters read or written for one message (every variable read, filter input and result, every write): the work
    /// a template does, counted instead of timed so a busy machine does not fail good messages. A message at the size
    /// limit uses about two million.
    /// </summary>
    public long MaxWork { get; init; } = 10_000_000;

    /// <summary>
    /// Wall-clock time of one message: the last line of defence. Real messages render in well under a millisecond and
    /// the limits above stop runaway ones within milliseconds; only a starving machine comes near two seconds.
    /// </summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Characters of each part's Liquid source.</summary>
    public int MaxSourceChars { get; init; } = 500_000;

    /// <summary>
    /// Blocks inside blocks, filters in one chain, and/or terms in one condition. The parser and the renderer recurse
    /// on each: a few thousand levels overflow the stack and end the process, which no catch can stop.
    /// </summary>
    public int MaxNesting { get; init; } = 30;

    /// <summary>Widths and precisions in date and number formats (<c>%10d</c>, <c>D5</c>): each is a string of that length.</summary>
    public int MaxFormatWidth { get; init; } = 100;
}
