using Fluid;

namespace CampaignStudio.Messaging.Templates;

/// <summary>A template parsed once and rendered for many recipients; immutable and safe to share across threads.</summary>
public sealed class CompiledTemplate
{
    internal CompiledTemplate(TemplateSource source, IFluidTemplate subject, IFluidTemplate? preheader, IFluidTemplate html, IFluidTemplate? text, string footerGuard)
    {
        Source = source;
        Subject = subject;
        Preheader = preheader;
        Html = html;
        Text = text;
        FooterGuard = footerGuard;
        BodyOpenTag = HtmlLayout.TagSpelling(source.Html, "<body", last: false);
        BodyCloseTag = HtmlLayout.TagSpelling(source.Html, "</body", last: true);
    }

    public TemplateSource Source { get; }

    internal IFluidTemplate Subject { get; }

    internal IFluidTemplate? Preheader { get; }

    internal IFluidTemplate Html { get; }

    /// <summary>Null when neither a text part was given nor one could be derived from the HTML source.</summary>
    internal IFluidTemplate? Text { get; }

    /// <summary>Markup closing anything the template left open (a comment, a style block) so it cannot swallow the footer.</summary>
    internal string FooterGuard { get; }

    internal string? BodyOpenTag { get; }

    internal string? BodyCloseTag { get; }

    internal IEnumerable<(TemplatePart Part, IFluidTemplate Template)> Parts()
    {
        yield return (TemplatePart.Subject, Subject);
        if (Preheader is not null)
        {
            yield return (TemplatePart.Preheader, Preheader);
        }

        yield return (TemplatePart.Html, Html);

        // A text part derived from the HTML references the same fields; only a hand-written one adds new ones.
        if (Text is not null && !string.IsNullOrWhiteSpace(Source.Text))
        {
            yield return (TemplatePart.Text, Text);
        }
    }
}

/// <summary>The outcome of compiling a template: the compiled template, or the errors with their positions.</summary>
public sealed record TemplateCompilation(CompiledTemplate? Template, IReadOnlyList<TemplateError> Errors)
{
    public bool Succeeded => Template is not null;
}

/// <summary>Thrown when a valid template fails for one recipient (e.g. it went over a <see cref="RenderLimits"/> bound).</summary>
public sealed class TemplateRenderException(TemplatePart part, string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The part that was rendering when it failed.</summary>
    public TemplatePart Part { get; } = part;
}
