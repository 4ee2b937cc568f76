using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace CampaignStudio.Messaging.Templates;

/// <summary>A render went over one of the <see cref="RenderLimits"/>; the message is the sentence the marketer sees.</summary>
internal sealed class RenderLimitException(string message) : Exception(message);

/// <summary>
/// The Fluid context of one message: it carries the message's limits and its deadline, so every guard
/// (ranges, captures, loop iterations, filters, the output buffer) checks the same budget.
/// </summary>
internal sealed class MessageRenderContext : TemplateContext
{
    private readonly long _deadline;
    private long _work;

    public MessageRenderContext(TemplateOptions options, RenderLimits limits)
        : base(options)
    {
        Limits = limits;
        _deadline = Stopwatch.GetTimestamp() + (long)(limits.MaxTime.TotalSeconds * Stopwatch.Frequency);
    }

    public RenderLimits Limits { get; }

    /// <summary>Fluid reports running out of steps and nesting too deep with one message; the step count tells them apart.</summary>
    public bool StepsExhausted => MaxSteps > 0 && _steps > MaxSteps;

    public static MessageRenderContext Of(TemplateContext context) =>
        context as MessageRenderContext ?? throw new InvalidOperationException("Templates render only through TemplateRenderer.Render.");

    public void CheckTime()
    {
        if (Stopwatch.GetTimestamp() > _deadline)
        {
            throw new RenderLimitException(Say($"The template took longer than {Limits.MaxTime.TotalSeconds:0.##} seconds to render one message; simplify its loops."));
        }
    }

    /// <summary>Counts characters read or written; past <see cref="RenderLimits.MaxWork"/> the render stops.</summary>
    public void Charge(long characters)
    {
        _work += characters;
        if (_work > Limits.MaxWork)
        {
            throw new RenderLimitException(Say($"The template reads or writes more than {Limits.MaxWork:N0} characters for one message; a loop works on a long text too often."));
        }
    }

    public void CheckText(long length, string what)
    {
        if (length > Limits.MaxTextChars)
        {
            throw new RenderLimitException(Say($"{what} would be longer than {Limits.MaxTextChars:N0} characters."));
        }
    }

    public void CheckList(ArrayValue list, string what)
    {
        if (list.Values.Count > Limits.MaxItems)
        {
            throw new RenderLimitException(Say($"{what} would have more than {Limits.MaxItems:N0} items."));
        }

        CheckText(RenderGuards.TextLength(list, Limits.MaxTextChars), what);
    }

    public static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Rewrites a parsed template so that it cannot outgrow its message: ranges are counted before they are built, captures
/// write into a bounded buffer, and every loop iteration looks at the clock (Fluid counts steps but has no deadline).
/// </summary>
internal sealed class RenderGuards : AstRewriter
{
    public static IFluidTemplate Apply(IFluidTemplate template) => new RenderGuards().VisitTemplate(template);

    protected override Expression VisitMemberExpression(MemberExpression memberExpression) =>
        new ChargedRead(base.VisitMemberExpression(memberExpression));

    protected override Expression VisitRangeExpression(RangeExpression rangeExpression)
    {
        var range = (RangeExpression)base.VisitRangeExpression(rangeExpression);
        return new BoundedRange(range.From, range.To);
    }

    protected override Statement VisitCaptureStatement(CaptureStatement captureStatement) =>
        new BoundedCapture((CaptureStatement)base.VisitCaptureStatement(captureStatement));

    protected override Statement VisitForStatement(ForStatement forStatement)
    {
        var loop = (ForStatement)base.VisitForStatement(forStatement);

        // Fluid looks at a plain variable as the loop source and `offset: continue` by their type: those stay unwrapped
        // (the loop's iterations are counted as steps, and what its body reads is charged there).
        var source = forStatement.Source is MemberExpression ? forStatement.Source : loop.Source;
        var offset = forStatement.Offset is MemberExpression ? forStatement.Offset : loop.Offset;
        return new ForStatement([LoopCheckpoint.Instance, .. loop.Statements], loop.Identifier, source, loop.Limit, offset, loop.Reversed, loop.Else);
    }

    protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
    {
        var loop = (TableRowStatement)base.VisitTableRowStatement(tableRowStatement);
        return new TableRowStatement([LoopCheckpoint.Instance, .. loop.Statements], loop.Identifier, loop.Source, loop.Limit, loop.Offset, loop.Cols);
    }

    /// <summary>Characters of text in a list (nested lists included), counted up to just past <paramref name="stopAfter"/>.</summary>
    public static long TextLength(ArrayValue list, long stopAfter)
    {
        long total = 0;
        foreach (var item in list.Values)
        {
            total += item switch
            {
                StringValue text => text.ToStringValue().Length,
                ArrayValue inner => TextLength(inner, stopAfter - total),
                _ => 0,
            };
            if (total > stopAfter)
            {
                break;
            }
        }

        return total;
    }

    /// <summary><c>(a..b)</c>: Fluid builds the whole list first (100 million numbers were 4.8 GB), so count it before building it.</summary>
    private sealed class BoundedRange(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var budget = MessageRenderContext.Of(context);
            budget.CheckTime();
            var start = Math.Round((await from.EvaluateAsync(context)).ToNumberValue(), MidpointRounding.ToEven);
            var end = Math.Round((await to.EvaluateAsync(context)).ToNumberValue(), MidpointRounding.ToEven);
            if (end < start)
            {
                return ArrayValue.Empty;
            }

            var count = end - start + 1;
            if (count > budget.Limits.MaxItems || start < int.MinValue || end > int.MaxValue)
            {
                throw new RenderLimitException(MessageRenderContext.Say(
                    $"The range ({start}..{end}) has {count:N0} numbers; a range may have at most {budget.Limits.MaxItems:N0} numbers."));
            }

            var first = (int)start;
            var numbers = new FluidValue[(int)count];
            for (var i = 0; i < numbers.Length; i++)
            {
                numbers[i] = NumberValue.Create(first + i);
            }

            return new ArrayValue(numbers);
        }

        protected override Expression Accept(AstVisitor visitor)
        {
            visitor.Visit(from);
            visitor.Visit(to);
            return this;
        }
    }

    /// <summary><c>{% capture %}</c> into a buffer with the same limit as a message part (Fluid's own grows without end).</summary>
    private sealed class BoundedCapture(CaptureStatement capture) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            var budget = MessageRenderContext.Of(context);
            budget.CheckTime();
            using var buffer = new CharBufferWriter(256)
            {
                Budget = budget,
                Limit = budget.Limits.MaxTextChars,
                LimitMessage = MessageRenderContext.Say($"The text captured as '{capture.Identifier}' would be longer than {budget.Limits.MaxTextChars:N0} characters."),
            };
            var completion = Completion.Normal;
            foreach (var statement in capture.Statements)
            {
                completion = await statement.WriteToAsync(buffer, encoder, context);
                if (completion != Completion.Normal)
                {
                    break;
                }
            }

            FluidValue value = new StringValue(buffer.Written.ToString(), encode: false);
            if (context.Captured is { } captured)
            {
                value = await captured(capture.Identifier, value, context);
            }

            context.SetValue(capture.Identifier, value);
            return completion;
        }

        protected override Statement Accept(AstVisitor visitor)
        {
            visitor.Visit(capture);
            return this;
        }
    }

    /// <summary>
    /// A variable read, charged by its size: comparing or searching a long text costs its length, and a loop that
    /// does it 90,000 times stays within its steps while taking seconds.
    /// </summary>
    private sealed class ChargedRead(Expression read) : Expression
    {
        public override ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var pending = read.EvaluateAsync(context);
            if (pending.IsCompletedSuccessfully)
            {
                Charge(pending.Result, context);
                return pending;
            }

            return Awaited(pending, context);
        }

        protected override Expression Accept(AstVisitor visitor)
        {
            visitor.Visit(read);
            return this;
        }

        private static async ValueTask<FluidValue> Awaited(ValueTask<FluidValue> pending, TemplateContext context)
        {
            var value = await pending;
            Charge(value, context);
            return value;
        }

        private static void Charge(FluidValue value, TemplateContext context) => MessageRenderContext.Of(context).Charge(value switch
        {
            StringValue text => text.ToStringValue().Length + 1,
            ArrayValue list => list.Values.Count + 1,
            _ => 1,
        });
    }

    /// <summary>The first statement of every loop body: a loop that stays within its steps can still be slow (a long text searched 90,000 times).</summary>
    private sealed class LoopCheckpoint : Statement
    {
        public static readonly LoopCheckpoint Instance = new();

        public override ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            MessageRenderContext.Of(context).CheckTime();
            return new ValueTask<Completion>(Completion.Normal);
        }

        protected override Statement Accept(AstVisitor visitor) => this;
    }
}

/// <summary>
/// Wraps every filter: the clock is checked, filters whose result size can be known beforehand are refused before they
/// allocate (a replace, a join, a split, a width in a format), and every result is held to the text and list limits.
/// </summary>
internal static partial class FilterGuards
{
    public static void Install(TemplateOptions options)
    {
        foreach (var (name, filter) in options.Filters.ToList())
        {
            options.Filters.AddFilter(name, Guard(name, filter));
        }
    }

    private static FilterDelegate Guard(string name, FilterDelegate filter)
    {
        var before = Before(name);
        var what = MessageRenderContext.Say($"A text built with the '{name}' filter");
        var whatList = MessageRenderContext.Say($"A list built with the '{name}' filter");
        return (input, arguments, context) =>
        {
            var budget = MessageRenderContext.Of(context);
            budget.CheckTime();
            budget.Charge(Size(input));
            before?.Invoke(input, arguments, budget, what);
            var pending = filter(input, arguments, context);
            if (pending.IsCompletedSuccessfully)
            {
                After(pending.Result, budget, what, whatList);
                return pending;
            }

            return Awaited(pending, budget, what, whatList);
        };
    }

    private static async ValueTask<FluidValue> Awaited(ValueTask<FluidValue> pending, MessageRenderContext budget, string what, string whatList)
    {
        var result = await pending;
        After(result, budget, what, whatList);
        return result;
    }

    /// <summary>The check that runs before a filter whose result size is known beforehand; null for the others.</summary>
    private static Action<FluidValue, FilterArguments, MessageRenderContext, string>? Before(string name) => name switch
    {
        "replace" => static (input, arguments, budget, what) =>
        {
            var text = input.ToStringValue();
            var target = arguments.At(0).ToStringValue();
            var replacement = arguments.At(1).ToStringValue();
            if (target.Length > 0 && replacement.Length > target.Length)
            {
                budget.CheckText(text.Length + ((long)text.AsSpan().Count(target.AsSpan()) * (replacement.Length - target.Length)), what);
            }
        },
        "join" => static (input, arguments, budget, what) =>
        {
            if (input is not ArrayValue list)
            {
                return;
            }

            var separator = arguments.At(0).ToStringValue().Length;
            var length = 0L;
            foreach (var item in list.Values)
            {
                length += item.ToStringValue().Length + separator;
                budget.CheckText(length, what);
            }
        },
        "split" => static (input, arguments, budget, _) =>
        {
            var text = input.ToStringValue();
            var separator = arguments.At(0).ToStringValue();
            var pieces = separator.Length == 0 ? text.Length : text.AsSpan().Count(separator.AsSpan()) + 1;
            if (pieces > budget.Limits.MaxItems)
            {
                throw new RenderLimitException(MessageRenderContext.Say($"A list built with the 'split' filter would have more than {budget.Limits.MaxItems:N0} items."));
            }
        },
        "date" => static (_, arguments, budget, _) => CheckWidths("date", arguments.At(0).ToStringValue(), DateWidth(), budget),
        "format_number" => static (_, arguments, budget, _) => CheckWidths("format_number", arguments.At(0).ToStringValue(), AnyNumber(), budget),
        "format_string" => static (input, _, budget, _) =>
        {
            foreach (Match placeholder in Placeholder().Matches(input.ToStringValue()))
            {
                CheckWidths("format_string", placeholder.Groups["rest"].Value, AnyNumber(), budget);
            }
        },
        _ => null,
    };

    private static long Size(FluidValue value) => value switch
    {
        StringValue text => text.ToStringValue().Length + 1,
        ArrayValue list => list.Values.Count + 1,
        _ => 1,
    };

    private static void After(FluidValue result, MessageRenderContext budget, string what, string whatList)
    {
        budget.Charge(Size(result));
        switch (result)
        {
            case StringValue text:
                budget.CheckText(text.ToStringValue().Length, what);
                break;
            case ArrayValue list:
                budget.CheckList(list, whatList);
                break;
        }
    }

    /// <summary>Each width in a format is a string of that many characters (<c>%999999999d</c> asked for 2 GB).</summary>
    private static void CheckWidths(string name, string format, Regex widths, MessageRenderContext budget)
    {
        foreach (Match match in widths.Matches(format))
        {
            var digits = match.Groups["width"].Value;
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var width) || width > budget.Limits.MaxFormatWidth)
            {
                var shown = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed.ToString("N0", CultureInfo.InvariantCulture) : digits;
                throw new RenderLimitException(MessageRenderContext.Say(
                    $"The '{name}' filter asks for a width of {shown}; at most {budget.Limits.MaxFormatWidth} is allowed."));
            }
        }
    }

    [GeneratedRegex(@"%[-_0^#:]*(?<width>\d+)")]
    private static partial Regex DateWidth();

    [GeneratedRegex(@"(?<width>\d+)")]
    private static partial Regex AnyNumber();

    /// <summary>A composite-format item <c>{0,width:format}</c>; its index is not a width.</summary>
    [GeneratedRegex(@"\{\s*\d+(?<rest>[^{}]*)\}")]
    private static partial Regex Placeholder();
}
