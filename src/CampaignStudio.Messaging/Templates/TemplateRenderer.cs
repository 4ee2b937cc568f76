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
/// Templates run sandboxed: no file system, no CLR member access, only the merge model's values.
/// </summary>
public sealed partial class TemplateRenderer
{
    /// <summary>Loops in a marketer's template must end; a per-message budget stops runaway ones.</summary>
    public const int MaxStepsPerMessage = 100_000;

    private const int MaxCachedParts = 512;

    // Letters of every script stay readable in the HTML; only markup-significant characters are encoded.
    private static readonly HtmlEncoder HtmlEncoding = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly string[] ForbiddenTags = ["include", "render", "from"];

    private readonly FluidParser _parser = new();
    private readonly TemplateOptions _options;
    private readonly ConcurrentDictionary<string, ParsedPart> _cache = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static CharBufferWriter? _writer;

    public TemplateRenderer()
    {
        _options = new TemplateOptions
        {
            FileProvider = new NullFileProvider(),
            MemberAccessStrategy = new DefaultMemberAccessStrategy(),
            CultureInfo = CultureInfo.InvariantCulture,
            MaxSteps = MaxStepsPerMessage,
            MaxRecursion = 10,
        };

        // `raw` would print a customer's value unencoded; in e-mails only the template's own markup is trusted.
        _options.Filters.AddFilter("raw", static (input, _, _) => new ValueTask<FluidValue>(input));
    }

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

    /// <summary>Renders one recipient's message; the footer and preheader are placed by the studio, not the template.</summary>
    public RenderedMessage Render(CompiledTemplate template, RecipientData recipient, CampaignData campaign, MessageFooter footer)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(footer);

        var context = new TemplateContext(_options);
        MergeModel.Populate(context, recipient, campaign, footer);
        var writer = _writer ??= new CharBufferWriter(16 * 1024);
        try
        {
            var subject = SingleLine(RenderPart(template.Subject, context, NullEncoder.Default, writer));
            var preheader = template.Preheader is null ? null : SingleLine(RenderPart(template.Preheader, context, NullEncoder.Default, writer));

            var renderedHtml = RenderPart(template.Html, context, HtmlEncoding, writer);
            var derivedText = template.Text is null ? HtmlLayout.ToPlainText(renderedHtml.ToString()) : null;
            var html = HtmlLayout.Compose(renderedHtml, preheader, template, footer);

            string text;
            if (derivedText is not null)
            {
                text = HtmlLayout.ComposeText(derivedText, footer);
            }
            else
            {
                RenderPart(template.Text!, context, NullEncoder.Default, writer);
                HtmlLayout.AppendTextFooter(writer, footer);
                text = writer.Written.ToString();
            }

            return new RenderedMessage(subject, preheader, html, text);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FluidException or ArgumentException or FormatException or OverflowException or DivideByZeroException)
        {
            throw new TemplateRenderException($"The template could not be rendered for customer {recipient.CustomerId}: {ex.Message}", ex);
        }
        finally
        {
            if (writer.Capacity > 1024 * 1024)
            {
                // Do not keep a huge buffer alive per thread after one unusually large message.
                writer.Dispose();
                _writer = null;
            }
        }
    }

    /// <summary>Renders into the thread's buffer; the span is valid until the next render on this thread.</summary>
    private static ReadOnlySpan<char> RenderPart(IFluidTemplate template, TemplateContext context, TextEncoder encoder, CharBufferWriter writer)
    {
        writer.Clear();
        var pending = template.RenderAsync(writer, encoder, context);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        return writer.Written;
    }

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

        if (_cache.Count >= MaxCachedParts)
        {
            _cache.Clear();
        }

        return _cache.GetOrAdd(source, ParseUncached);
    }

    private ParsedPart ParseUncached(string source)
    {
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

        return new ParsedPart(template, null);
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
