using System.Globalization;
using System.Text.RegularExpressions;

namespace CampaignStudio.Messaging.Templates;

/// <summary>
/// Checks a Liquid source's size and nesting before the parser sees it. Fluid's parser and renderer recurse once per
/// nested block, chained filter and and/or term: 5,000 nested <c>if</c> blocks (65 KB) overflowed the stack, which ends
/// the whole process. The scan is iterative and errs on the safe side (tags inside <c>raw</c> and <c>comment</c> count too).
/// </summary>
internal static partial class TemplateShape
{
    private static readonly HashSet<string> Blocks = new(StringComparer.Ordinal)
    {
        "if", "unless", "case", "for", "tablerow", "capture", "comment", "raw", "ifchanged", "paginate", "macro", "form",
    };

    /// <summary>The first problem with its message, 1-based line and column; null when the source is within the limits.</summary>
    public static (string Message, int Line, int Column)? Check(string source, RenderLimits limits)
    {
        if (source.Length > limits.MaxSourceChars)
        {
            return (Say($"This part has {source.Length:N0} characters; at most {limits.MaxSourceChars:N0} are allowed."), 0, 0);
        }

        var depth = 0;
        string? skipUntil = null;
        foreach (var (index, name, body) in Tags(source))
        {
            // Text inside raw and comment is not parsed, so its tags do not nest.
            if (skipUntil is not null)
            {
                if (name == skipUntil)
                {
                    skipUntil = null;
                    depth--;
                }

                continue;
            }

            var lines = name == "liquid" ? body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [body];
            foreach (var line in lines)
            {
                var tag = name == "liquid" ? FirstWord(line) : name;
                if (Blocks.Contains(tag) && ++depth > limits.MaxNesting)
                {
                    return At(source, index, Say($"Blocks are nested more than {limits.MaxNesting} deep."));
                }

                if (tag is "raw" or "comment")
                {
                    skipUntil = "end" + tag;
                }
                else if (tag.StartsWith("end", StringComparison.Ordinal) && depth > 0)
                {
                    depth--;
                }

                if (line.AsSpan().Count('|') > limits.MaxNesting)
                {
                    return At(source, index, Say($"More than {limits.MaxNesting} filters are chained in one place."));
                }

                if (AndOr().Count(line) > limits.MaxNesting)
                {
                    return At(source, index, Say($"More than {limits.MaxNesting} conditions are joined with 'and' or 'or' in one place."));
                }
            }
        }

        return null;
    }

    /// <summary>Every <c>{% name body %}</c> tag and <c>{{ body }}</c> output (name empty), in one linear pass.</summary>
    private static IEnumerable<(int Index, string Name, string Body)> Tags(string source)
    {
        var at = 0;
        while (at < source.Length - 1)
        {
            var open = source.IndexOf('{', at);
            if (open < 0 || open == source.Length - 1)
            {
                yield break;
            }

            var kind = source[open + 1];
            if (kind != '%' && kind != '{')
            {
                at = open + 1;
                continue;
            }

            var close = source.IndexOf(kind == '%' ? "%}" : "}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                yield break; // the parser reports the unclosed tag
            }

            var inner = source.AsSpan(open + 2, close - open - 2).Trim('-').Trim();
            if (kind == '{')
            {
                yield return (open, "", inner.ToString());
            }
            else
            {
                var nameLength = 0;
                while (nameLength < inner.Length && (char.IsAsciiLetterOrDigit(inner[nameLength]) || inner[nameLength] is '_' or '#'))
                {
                    nameLength++;
                }

                yield return (open, inner[..nameLength].ToString(), inner[nameLength..].ToString());
            }

            at = close + 2;
        }
    }

    private static string FirstWord(string line)
    {
        var end = line.IndexOfAny([' ', '\t', '\r']);
        return end < 0 ? line : line[..end];
    }

    private static (string, int, int) At(string source, int index, string message)
    {
        var line = 1 + source.AsSpan(0, index).Count('\n');
        var column = index - (source.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        if (index == 0)
        {
            column = 1;
        }

        return (message, line, column);
    }

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\b(and|or)\b")]
    private static partial Regex AndOr();
}
