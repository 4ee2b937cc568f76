using System.Diagnostics;
using CampaignStudio.Messaging.Templates;

namespace CampaignStudio.Messaging.Tests.Templates;

/// <summary>
/// A template is code a marketer writes; one message must never take the server's memory or time.
/// The bound stated here: a template over a limit fails within a second, having allocated less than 32 MB on the rendering thread.
/// The class runs alone: its time limits are wall-clock, and the 20,000-message test would compete for the cores.
/// </summary>
[Collection(RenderTiming.Name)]
public class RenderLimitsTests
{
    private const long MemoryBound = 32L * 1024 * 1024;

    private static readonly string Lorem = string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 5));

    private readonly TemplateRenderer _renderer = new();

    /// <summary>Each row: a name, the HTML source, and a phrase the marketer's error message must contain.</summary>
    public static TheoryData<string, string, string> RunawayTemplates => new()
    {
        { "the issue's hundred-million loop", "{% for i in (1..100000000) %}x{% endfor %}", "at most 10,000 numbers" },
        { "a range sized by a variable", "{% assign n = 50000000 %}{% for i in (1..n) %}x{% endfor %}", "at most 10,000 numbers" },
        { "a table row over a huge range", "{% tablerow i in (1..100000000) cols: 3 %}{{ i }}{% endtablerow %}", "at most 10,000 numbers" },
        { "append doubling a text", "{% assign s = \"x\" %}{% for i in (1..32) %}{% assign s = s | append: s %}{% endfor %}{{ s.size }}", "longer than 500,000 characters" },
        { "replace growing a text", "{% assign s = \"xx\" %}{% for i in (1..40) %}{% assign s = s | replace: \"x\", \"xx\" %}{% endfor %}{{ s.size }}", "longer than 500,000 characters" },
        { "capture doubling a text", "{% capture s %}x{% endcapture %}{% for i in (1..32) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s.size }}", "longer than 500,000 characters" },
        { "a long message from recommendations", "{% for i in (1..1000) %}{% for r in recommendations %}<p>{{ r.name }}: " + Lorem + "</p>{% endfor %}{% endfor %}", "longer than 500,000 characters" },
        { "nested loops over recommendations", "{% for a in recommendations %}{% for b in recommendations %}{% for c in recommendations %}{% for d in recommendations %}{% for e in recommendations %}{% for f in recommendations %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}", "more than 100,000 steps" },
        { "a list doubled by concat", "{% assign a = \"x\" | split: \",\" %}{% for i in (1..26) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}", "more than 10,000 items" },
        { "a date padded to a billion characters", "{{ \"2026-01-01\" | date: \"%999999999d\" }}", "a width of 999,999,999" },
        { "a number formatted with a billion digits", "{{ 5 | format_number: \"F999999999\" }}", "a width of 999,999,999" },
        { "a slow loop over a long text", "{% capture big %}{% for i in (1..4000) %}" + Lorem[..100] + "{% endfor %}{% endcapture %}{% for i in (1..8000) %}{% for j in (1..10) %}{% if big contains \"zz\" %}z{% endif %}{% endfor %}{% endfor %}", "reads or writes more than 10,000,000 characters" },
    };

    [Theory]
    [MemberData(nameof(RunawayTemplates))]
    public void ARunawayTemplateFailsFastWithinBoundedMemoryAndSaysWhy(string name, string html, string expected)
    {
        var template = Compile(html);
        var recipient = TenRecommendations();

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var error = Should.Throw<TemplateRenderException>(() =>
            _renderer.Render(template, recipient, RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()), name);
        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        error.Message.ShouldContain(expected, Case.Sensitive, name);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), name);
        allocated.ShouldBeLessThan(MemoryBound, $"{name}: {allocated / 1024 / 1024} MB");
    }

    [Fact]
    public void TemplatesWithinTheLimitsRenderAsBefore()
    {
        var template = Compile(
            "{% capture intro %}Hi {{ customer.first_name }}{% endcapture %}<h1>{{ intro }}</h1>" +
            "{% for i in (1..1000) %}{% if forloop.last %}<p>{{ i }}</p>{% endif %}{% endfor %}" +
            "{% for a in recommendations %}{% for b in recommendations %}{% for c in recommendations %}{% if forloop.last %}.{% endif %}{% endfor %}{% endfor %}{% endfor %}" +
            "{% assign words = \"a,b,c\" | split: \",\" | concat: recommendations %}<p>{{ words | size }}</p>" +
            "<p>{{ \"2026-03-01\" | date: \"%d.%m.%Y\" }} {{ 5 | format_number: \"000\" }} {{ \"a-b\" | replace: \"-\", \"_\" }}</p>" +
            "<p>{% for r in recommendations limit: 2 %}{{ r.name }},{% endfor %}{% for r in recommendations offset: continue limit: 1 %}{{ r.name }}{% endfor %}</p>");

        var message = _renderer.Render(template, TenRecommendations(), RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer());

        message.Html.ShouldContain("<h1>Hi Ada</h1><p>1000</p>");
        message.Html.ShouldContain("</p>" + new string('.', 100) + "<p>");
        message.Html.ShouldContain("<p>13</p>");
        message.Html.ShouldContain("<p>01.03.2026 005 a_b</p>");
        message.Html.ShouldContain("<p>Book 1,Book 2,Book 3</p>");
    }

    /// <summary>Fluid's parser and renderer recurse per level: these ended the whole test process with a stack overflow.</summary>
    public static TheoryData<string, string, string> TooDeepTemplates => new()
    {
        { "5,000 nested if blocks", Repeat("{% if true %}", 5_000) + "x" + Repeat("{% endif %}", 5_000), "Blocks are nested more than 30 deep." },
        { "40,000 chained filters", "{{ 'x'" + Repeat(" | upcase", 40_000) + " }}", "More than 30 filters are chained in one place." },
        { "80,000 and terms", "{% if " + string.Join(" and ", Enumerable.Repeat("1", 80_000)) + " %}x{% endif %}", "More than 30 conditions are joined with 'and' or 'or'" },
        { "a liquid tag of nested blocks", "{% liquid\n" + Repeat("if true\n", 5_000) + "echo 'x'\n" + Repeat("endif\n", 5_000) + "%}", "Blocks are nested more than 30 deep." },
        { "600,000 characters of HTML", new string('x', 600_000 - "<p>ok</p>\n".Length), "This part has 600,000 characters; at most 500,000 are allowed." },
    };

    [Theory]
    [MemberData(nameof(TooDeepTemplates))]
    public void TooDeepOrTooLongTemplatesAreCompileErrorsNotACrash(string name, string html, string expected)
    {
        var compilation = _renderer.Compile(new TemplateSource("Hello", null, "<p>ok</p>\n" + html, "Hi"));

        compilation.Succeeded.ShouldBeFalse(name);
        var error = compilation.Errors.ShouldHaveSingleItem(name);
        error.Part.ShouldBe(TemplatePart.Html);
        error.Message.ShouldContain(expected, Case.Sensitive, name);
    }

    [Fact]
    public void TheErrorNamesThePartThatWentOverALimit()
    {
        var compilation = _renderer.Compile(new TemplateSource("Hi", "{% for i in (1..20000) %}x{% endfor %}", "<p>ok</p>", null));
        compilation.Errors.ShouldBeEmpty();

        var error = Should.Throw<TemplateRenderException>(() =>
            _renderer.Render(compilation.Template!, TenRecommendations(), RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()));

        error.Part.ShouldBe(TemplatePart.Preheader);
        error.Message.ShouldBe("The template could not be rendered for customer 1: The range (1..20000) has 20,000 numbers; a range may have at most 10,000 numbers.");
    }

    [Fact]
    public void TheClockIsTheLastLineOfDefence()
    {
        var renderer = new TemplateRenderer(new RenderLimits { MaxTime = TimeSpan.FromMilliseconds(50), MaxWork = long.MaxValue });
        var compilation = renderer.Compile(new TemplateSource("Hi", null,
            "{% capture big %}{% for i in (1..4000) %}" + Lorem[..100] + "{% endfor %}{% endcapture %}{% for i in (1..8000) %}{% for j in (1..10) %}{% if big contains \"zz\" %}z{% endif %}{% endfor %}{% endfor %}", null));

        var clock = Stopwatch.StartNew();
        var error = Should.Throw<TemplateRenderException>(() =>
            renderer.Render(compilation.Template!, TenRecommendations(), RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        error.Message.ShouldEndWith("The template took longer than 0.05 seconds to render one message; simplify its loops.");
    }

    [Fact]
    public void TheStepLimitIsExplainedInTheMarketersWords()
    {
        var template = Compile("{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}");

        var error = Should.Throw<TemplateRenderException>(() =>
            _renderer.Render(template, TenRecommendations(), RecipientTestBuilder.Campaign(), RecipientTestBuilder.Footer()));

        error.Part.ShouldBe(TemplatePart.Html);
        error.Message.ShouldEndWith("The template takes more than 100,000 steps for one message; a loop runs too often.");
    }

    private static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

    private CompiledTemplate Compile(string html)
    {
        var compilation = _renderer.Compile(new TemplateSource("Hello", null, html, "Hi"));
        compilation.Errors.ShouldBeEmpty();
        return compilation.Template!;
    }

    private static RecipientData TenRecommendations()
    {
        var builder = new RecipientTestBuilder();
        for (var i = 1; i <= 10; i++)
        {
            builder.WithRecommendation($"Book {i}", "Books", $"https://shop.example.com/b/{i}");
        }

        return builder.Build();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RenderTiming
{
    public const string Name = "Render timing";
}
