using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Microsoft.Extensions.FileProviders;

namespace CampaignStudio.Messaging.Templates;

/// <summary>
/// Compiles Liquid e-mail templates once and renders them per recipient. Thread-safe; register as a singleton.
/// Templates run sandboxed: no file system, no CLR member access, only the merge model's values; and bounded: every
/// message's render stays within <see cref="RenderLimits"/> in steps, size and time, whoever renders it.
/// </summary>
public sealed partial class TemplateRenderer
{
    /// <summary>Loops inside loops (Fluid's recursion limit counts loop scopes).</summary>
    public const int MaxLoopNesting = 10;

    private const int MaxCachedParts = 512;

    /// <summary>Characters of source kept parsed; the cache is emptied beyond this, so it cannot hold gigabytes.</summary>
    private const long MaxCachedChars = 8_000_000;

    // Letters of every script stay readable in the HTML; only markup-significant characters are encoded.
    private static readonly HtmlEncoder HtmlEncoding = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly string[] ForbiddenTags = ["include", "render", "from"];

    private readonly FluidParser _parser = new();
    private readonly TemplateOptions _options;
    private readonly ConcurrentDictionary<string, ParsedPart> _cache = new(StringComparer.Ordinal);
    private long _cachedChars;

    [ThreadStatic]
    private static CharBufferWriter? _writer;

    public TemplateRenderer(RenderLimits? limits = null)
    {
        Limits = limits ?? RenderLimits.Default;
        _options = new TemplateOptions
        {
            FileProvider = new NullFileProvider(),
            MemberAccessStrategy = new DefaultMemberAccessStrategy(),
            CultureInfo = CultureInfo.InvariantCulture,
            MaxSteps = Limits.MaxSteps,
            MaxRecursion = MaxLoopNesting,
        };

        // `raw` would print a customer's value unencoded; in e-mails only the template's own markup is trusted.
        _options.Filters.AddFilter("raw", static (input, _, _) => new ValueTask<FluidValue>(input));
        FilterGuards.Install(_options);
    }

    public RenderLimits Limits { get; }

    /// <summary>Parses all parts (cached per source text) and reports every error with its line and column.</summary>
    public TemplateCompilation Compile(TemplateSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var errors = new List<TemplateError>();
        var subject = Parse(TemplatePart.Subject, source.Subject, errors);
        var preheader = string.IsNullOrWhiteSpace(source.Preheader) ? null : Parse(TemplatePart.Preheader, source.Preheader, errors);
        var html = Parse(TemplatePart.Html, source.Html, errors);
        IFluidTemplate? text;
        if (!string.IsNullOrWhiteSpace(source.Text))
        {
            text = Parse(TemplatePart.Text, source.Text, errors);
        }
        else
        {
            // Derive the text part from the HTML source once, so each message renders text as cheaply as HTML.
            var derived = GetOrParse(HtmlLayout.ToPlainText(source.Html));
            text = derived.Template;
        }

        if (errors.Count > 0 || subject is null || html is null)
        {
            return new TemplateCompilation(null, errors);
        }

        var compiled = new CompiledTemplate(source, subject, preheader, html, text, HtmlLayout.FooterGuard(source.Html));
        return new TemplateCompilation(compiled, errors);
    }

    /// <summary>
    /// Renders one recipient's message; the footer and preheader are placed by the studio, not the template.
    /// Throws <see cref="TemplateRenderException"/>, naming the part and the reason, when the template fails for this
    /// recipient or goes over a <see cref="RenderLimits"/> bound; never anything else, so one message never stops a batch.
    /// </summary>
    public RenderedMessage Render(CompiledTemplate template, RecipientData recipient, CampaignData campaign, MessageFooter footer)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(footer);

        var context = new MessageRenderContext(_options, Limits);
        MergeModel.Populate(context, recipient, campaign, footer);
        var writer = _writer ??= new CharBufferWriter(16 * 1024);
        var part = TemplatePart.Subject;
        try
        {
            var subject = SingleLine(RenderPart(template.Subject, part, context, NullEncoder.Default, writer));
            part = TemplatePart.Preheader;
            var preheader = template.Preheader is null ? null : SingleLine(RenderPart(template.Preheader, part, context, NullEncoder.Default, writer));

            part = TemplatePart.Html;
            var renderedHtml = RenderPart(template.Html, part, context, HtmlEncoding, writer);
            var derivedText = template.Text is null ? HtmlLayout.ToPlainText(renderedHtml.ToString()) : null;
            var html = HtmlLayout.Compose(renderedHtml, preheader, template, footer);

            string text;
            if (derivedText is not null)
            {
                text = HtmlLayout.ComposeText(derivedText, footer);
            }
            else
            {
                part = TemplatePart.Text;
                RenderPart(template.Text!, part, context, NullEncoder.Default, writer);
                HtmlLayout.AppendTextFooter(writer, footer);
                text = writer.Written.ToString();
            }

            return new RenderedMessage(subject, preheader, html, text);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever a marketer's template does wrong for one recipient (a limit, a bad filter argument, an error inside
            // Fluid) fails that one message with a sentence, never the preview page or the send worker's batch.
            throw new TemplateRenderException(part, $"The template could not be rendered for customer {recipient.CustomerId}: {Explain(ex, context)}", ex);
        }
        finally
        {
            writer.Limit = int.MaxValue;
            writer.LimitMessage = null;
            writer.Budget = null;
            if (writer.Capacity > 1024 * 1024)
            {
                // Do not keep a huge buffer alive per thread after one unusually large message.
                writer.Dispose();
                _writer = null;
            }
        }
    }

    private string Explain(Exception ex, MessageRenderContext context) => ex switch
    {
        RenderLimitException => ex.Message,
        InvalidOperationException when context.StepsExhausted =>
            MessageRenderContext.Say($"The template takes more than {Limits.MaxSteps:N0} steps for one message; a loop runs too often."),
        InvalidOperationException when ex.Message.Contains("recursion", StringComparison.Ordinal) =>
            MessageRenderContext.Say($"Loops are nested more than {MaxLoopNesting} deep."),
        InsufficientExecutionStackException or OutOfMemoryException => "The template needs more memory than one message may use.",
        _ => ex.Message,
    };

    /// <summary>Renders into the thread's buffer, at most the part limit; the span is valid until the next render on this thread.</summary>
    private ReadOnlySpan<char> RenderPart(IFluidTemplate template, TemplatePart part, MessageRenderContext context, TextEncoder encoder, CharBufferWriter writer)
    {
        writer.Clear();
        writer.Budget = context;
        writer.Limit = Limits.MaxTextChars;
        writer.LimitMessage = MessageRenderContext.Say($"The {PartName(part)} would be longer than {Limits.MaxTextChars:N0} characters.");
        var pending = template.RenderAsync(writer, encoder, context);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        // The studio's own footer may follow the text part in the same buffer.
        writer.Limit = int.MaxValue;
        writer.Budget = null;
        return writer.Written;
    }

    private static string PartName(TemplatePart part) => part switch
    {
        TemplatePart.Html => "HTML",
        TemplatePart.Text => "plain text",
        _ => part.ToString().ToLowerInvariant(),
    };

    private static string SingleLine(ReadOnlySpan<char> value) =>
        value.IndexOfAny('\r', '\n') < 0 ? value.Trim().ToString() : LineBreaks().Replace(value.ToString(), " ").Trim();

    private IFluidTemplate? Parse(TemplatePart part, string source, List<TemplateError> errors)
    {
        var parsed = GetOrParse(source);
        if (parsed.Error is { } error)
        {
            errors.Add(new TemplateError(part, error.Message, error.Line, error.Column));
            return null;
        }

        return parsed.Template;
    }

    private ParsedPart GetOrParse(string source)
    {
        if (_cache.TryGetValue(source, out var cached))
        {
            return cached;
        }

        if (_cache.Count >= MaxCachedParts || Interlocked.Read(ref _cachedChars) > MaxCachedChars)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cachedChars, 0);
        }

        var parsed = ParseUncached(source);
        if (_cache.TryAdd(source, parsed))
        {
            Interlocked.Add(ref _cachedChars, source.Length);
        }

        return parsed;
    }

    private ParsedPart ParseUncached(string source)
    {
        if (TemplateShape.Check(source, Limits) is { } shape)
        {
            return new ParsedPart(null, new PartError(shape.Message, shape.Line, shape.Column));
        }

        if (!_parser.TryParse(source, out var template, out var message))
        {
            return new ParsedPart(null, ToError(message));
        }

        var forbidden = new ForbiddenTagFinder();
        forbidden.VisitTemplate(template);
        if (forbidden.Found is { } tag)
        {
            var (line, column) = Locate(source, tag);
            return new ParsedPart(null, new PartError($"The '{tag}' tag is not available in e-mail templates.", line, column));
        }

        return new ParsedPart(RenderGuards.Apply(template), null);
    }

    private static PartError ToError(string? message)
    {
        message ??= "The template could not be parsed.";
        var firstLine = message.Split('\n')[0].Trim();
        var position = Position().Match(firstLine);
        if (!position.Success)
        {
            return new PartError(firstLine, 0, 0);
        }

        var text = firstLine.Remove(position.Index, position.Length).Trim();
        return new PartError(text, int.Parse(position.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(position.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static (int Line, int Column) Locate(string source, string tag)
    {
        var match = Regex.Match(source, @"\{%-?\s*" + tag + @"\b");
        if (!match.Success)
        {
            return (0, 0);
        }

        var line = 1 + source.AsSpan(0, match.Index).Count('\n');
        var lineStart = source.LastIndexOf('\n', Math.Max(0, match.Index - 1)) + 1;
        if (match.Index == 0)
        {
            lineStart = 0;
        }

        return (line, match.Index - lineStart + 1);
    }

    [GeneratedRegex(@"\s*at \((\d+):(\d+)\)")]
    private static partial Regex Position();

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex LineBreaks();

    private sealed record PartError(string Message, int Line, int Column);

    private sealed record ParsedPart(IFluidTemplate? Template, PartError? Error);

    /// <summary>Include, render and from would read other templates from disk: not part of the e-mail sandbox.</summary>
    private sealed class ForbiddenTagFinder : AstVisitor
    {
        public string? Found { get; private set; }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
        {
            Found ??= ForbiddenTags[0];
            return includeStatement;
        }

        protected override Statement VisitRenderStatement(RenderStatement renderStatement)
        {
            Found ??= ForbiddenTags[1];
            return renderStatement;
        }

        protected override Statement VisitFromStatement(FromStatement fromStatement)
        {
            Found ??= ForbiddenTags[2];
            return fromStatement;
        }
    }
}
