using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace CampaignStudio.Messaging.Templates;

/// <summary>A merge field a template uses, e.g. <c>customer.first_name</c>.</summary>
/// <param name="HasFallback">True when every use has a <c>default</c> filter or sits inside an <c>if</c> on the same field.</param>
/// <param name="IsKnown">False for names the merge model does not offer (usually a typo): they are empty for everyone.</param>
public sealed record MergeField(string Path, bool HasFallback, bool IsKnown);

/// <summary>How many recipients would see an empty value for one merge field.</summary>
public sealed record MissingMergeField(string Path, int MissingCount, bool IsKnown);

/// <summary>A merge field the merge model does not offer (empty for everyone, even behind a <c>default</c>) and the known name nearest to it.</summary>
public sealed record UnknownMergeField(string Path, string? Suggestion)
{
    /// <summary>The warning in words, e.g. “{{ customer.firstname }} is not a merge field — did you mean customer.first_name?”.</summary>
    public string Sentence => Suggestion is null
        ? $"{{{{ {Path} }}}} is not a merge field, so it is empty for everyone."
        : $"{{{{ {Path} }}}} is not a merge field, so it is empty for everyone — did you mean {Suggestion}?";
}

/// <summary>Merge fields without a fallback and how many of the recipients lack each.</summary>
public sealed record MergeFieldReport(int RecipientCount, IReadOnlyList<MissingMergeField> Fields)
{
    public IEnumerable<MissingMergeField> Missing => Fields.Where(f => f.MissingCount > 0);
}

/// <summary>Finds the merge fields a template references by walking the parsed Liquid syntax tree.</summary>
public static class MergeFieldAnalyzer
{
    public static IReadOnlyList<MergeField> FindFields(CompiledTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var collector = new FieldCollector();
        foreach (var (_, part) in template.Parts())
        {
            collector.VisitTemplate(part);
        }

        return collector.Fields
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new MergeField(f.Key, f.Value, MergeModel.IsKnown(f.Key)))
            .ToList();
    }

    /// <summary>
    /// The fields the merge model does not know, with or without a fallback: <c>{{ customer.firstname | default: "there" }}</c>
    /// prints "there" to everyone, which is the typo's fault, not the customer's. Fields of a loop variable are not checked.
    /// </summary>
    public static IReadOnlyList<UnknownMergeField> FindUnknown(CompiledTemplate template) =>
        FindFields(template).Where(f => !f.IsKnown).Select(f => new UnknownMergeField(f.Path, NearestKnown(f.Path))).ToList();

    /// <summary>
    /// The keys of the chosen collections a template names (<c>collections["category:Shoes"]</c>), each once, in order of
    /// first use; what a send must read for it. A key written other than as a text in brackets is returned as it is written
    /// (<c>collections.shoes</c> → <c>shoes</c>), so <see cref="ProductCollection.TryParse"/> can say what is wrong with it.
    /// </summary>
    public static IReadOnlyList<string> FindCollections(CompiledTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var finder = new CollectionFinder();
        foreach (var (_, part) in template.Parts())
        {
            finder.VisitTemplate(part);
        }

        return finder.Keys;
    }

    /// <summary>The known merge field closest in spelling to a path (at most a third of its letters different), or null.</summary>
    public static string? NearestKnown(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        IEnumerable<string> candidates = dot > 0 && path[..dot] is MergeModel.Customer or MergeModel.Campaign
            ? (path[..dot] == MergeModel.Customer ? MergeModel.CustomerFields : MergeModel.CampaignFields).Select(f => $"{path[..dot]}.{f}")
            : [.. MergeModel.Roots, .. MergeModel.CustomerFields.Select(f => $"{MergeModel.Customer}.{f}"), .. MergeModel.CampaignFields.Select(f => $"{MergeModel.Campaign}.{f}")];
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(path.ToLowerInvariant(), c)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .First();
        return best.Distance <= Math.Max(2, path.Length / 3) ? best.Name : null;
    }

    /// <summary>The edit distance of two names (insertions, deletions, substitutions): how "did you mean" suggestions are found.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Counts, for each field used without a fallback, how many recipients have no value for it.</summary>
    public static MergeFieldReport CountMissing(CompiledTemplate template, IEnumerable<RecipientData> recipients, CampaignData campaign)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(campaign);
        var fields = FindFields(template).Where(f => !f.HasFallback).ToArray();
        var missing = new int[fields.Length];
        var total = 0;
        foreach (var recipient in recipients)
        {
            total++;
            for (var i = 0; i < fields.Length; i++)
            {
                if (!fields[i].IsKnown || !MergeModel.HasValue(fields[i].Path, recipient, campaign))
                {
                    missing[i]++;
                }
            }
        }

        var result = fields
            .Select((f, i) => new MissingMergeField(f.Path, missing[i], f.IsKnown))
            .OrderByDescending(f => f.MissingCount)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new MergeFieldReport(total, result);
    }

    private sealed class CollectionFinder : AstVisitor
    {
        public List<string> Keys { get; } = [];

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments.Count > 1 && memberExpression.Segments[0] is IdentifierSegment { Identifier: MergeModel.Collections }
                && FieldCollector.SegmentName(memberExpression.Segments[1]) is { } key && !Keys.Contains(key, StringComparer.Ordinal))
            {
                Keys.Add(key);
            }

            return base.VisitMemberExpression(memberExpression);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            if (forStatement.Source is not null)
            {
                Visit(forStatement.Source);
            }

            return base.VisitForStatement(forStatement);
        }
    }

    private sealed class FieldCollector : AstVisitor
    {
        private readonly HashSet<string> _locals = new(StringComparer.Ordinal) { "forloop", "tablerowloop", "empty", "blank", "nil", "null", "true", "false" };
        private readonly List<string> _guards = [];
        private int _fallbackDepth;

        /// <summary>Path → whether every use so far had a fallback.</summary>
        public Dictionary<string, bool> Fields { get; } = new(StringComparer.Ordinal);

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (PathOf(memberExpression) is { } path)
            {
                var guarded = _fallbackDepth > 0 || _guards.Contains(path);
                Fields[path] = Fields.TryGetValue(path, out var before) ? before && guarded : guarded;
            }

            return base.VisitMemberExpression(memberExpression);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            if (filterExpression.Name == "default")
            {
                _fallbackDepth++;
                Visit(filterExpression.Input);
                _fallbackDepth--;
                foreach (var parameter in filterExpression.Parameters)
                {
                    Visit(parameter.Expression);
                }

                return filterExpression;
            }

            return base.VisitFilterExpression(filterExpression);
        }

        protected override Statement VisitIfStatement(IfStatement ifStatement) =>
            Guarded(ifStatement.Condition, () => base.VisitIfStatement(ifStatement));

        protected override Statement VisitElseIfStatement(ElseIfStatement elseIfStatement) =>
            Guarded(elseIfStatement.Condition, () => base.VisitElseIfStatement(elseIfStatement));

        protected override Statement VisitUnlessStatement(UnlessStatement unlessStatement) =>
            Guarded(unlessStatement.Condition, () => base.VisitUnlessStatement(unlessStatement));

        protected override Statement VisitCaseStatement(CaseStatement caseStatement) =>
            Guarded(caseStatement.Expression, () => base.VisitCaseStatement(caseStatement));

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            // The loop source is a real field; the loop variable is local to the template.
            if (forStatement.Source is not null)
            {
                Visit(forStatement.Source);
            }

            _locals.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
        {
            Visit(tableRowStatement.Source);
            _locals.Add(tableRowStatement.Identifier);
            return base.VisitTableRowStatement(tableRowStatement);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            var result = base.VisitAssignStatement(assignStatement);
            _locals.Add(assignStatement.Identifier);
            return result;
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            _locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitIncrementStatement(IncrementStatement incrementStatement)
        {
            _locals.Add(incrementStatement.Identifier);
            return base.VisitIncrementStatement(incrementStatement);
        }

        protected override Statement VisitDecrementStatement(DecrementStatement decrementStatement)
        {
            _locals.Add(decrementStatement.Identifier);
            return base.VisitDecrementStatement(decrementStatement);
        }

        private Statement Guarded(Expression? condition, Func<Statement> visit)
        {
            var guards = new List<string>();
            if (condition is not null)
            {
                var inner = new FieldCollector();
                inner._locals.UnionWith(_locals);
                inner.Visit(condition);
                guards.AddRange(inner.Fields.Keys);
            }

            _guards.AddRange(guards);
            try
            {
                return visit();
            }
            finally
            {
                foreach (var guard in guards)
                {
                    _guards.Remove(guard);
                }
            }
        }

        private string? PathOf(MemberExpression member)
        {
            if (member.Segments.Count == 0 || member.Segments[0] is not IdentifierSegment root || _locals.Contains(root.Identifier))
            {
                return null;
            }

            var depth = root.Identifier switch
            {
                MergeModel.Customer => 3, // customer.attributes.<key>; other customer fields stop at two
                MergeModel.Campaign => 2,
                _ => 1,
            };

            var path = root.Identifier;
            for (var i = 1; i < member.Segments.Count && i < depth; i++)
            {
                var name = SegmentName(member.Segments[i]);
                if (name is null)
                {
                    break;
                }

                path += "." + name;
                if (root.Identifier == MergeModel.Customer && name != "attributes")
                {
                    break;
                }
            }

            return path;
        }

        internal static string? SegmentName(MemberSegment segment) => segment switch
        {
            IdentifierSegment identifier => identifier.Identifier,
            IndexerSegment { Expression: LiteralExpression { Value: StringValue text } } => text.ToStringValue(),
            _ => null,
        };
    }
}
