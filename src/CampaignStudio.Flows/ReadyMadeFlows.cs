using CampaignStudio.Data;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Domain.Flows;
using CampaignStudio.Domain.Segments;
using CampaignStudio.Domain.Segments.Rules;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Flows;

/// <summary>A flow to start from: its key, name and what it does in a sentence.</summary>
public sealed record ReadyMadeFlow(string Key, string Name, string Description);

/// <summary>A ready-made flow's definition and, when the shop's data changed what it does, a sentence saying how and why (shown in the editor).</summary>
public sealed record ReadyMadeDefinition(FlowDefinition Definition, string? Note);

/// <summary>
/// The four flows a shop can switch on in minutes (issue 15): welcome series, abandoned cart, win-back, post-purchase. Each
/// brings the e-mails it needs (and win-back its segment), reused by name when a previous start created them, so "choose →
/// review → Publish" is all it takes. The footer with the unsubscribe link and postal address is added to every send.
/// </summary>
public static class ReadyMadeFlows
{
    public const string Welcome = "welcome";
    public const string AbandonedCart = "abandoned_cart";
    public const string WinBack = "win_back";
    public const string PostPurchase = "post_purchase";

    public const string CartAbandoned = "cart_abandoned";
    public const string SignedUp = "signed_up";

    /// <summary>Churn risk (%) from which a customer counts as lapsing: the shop's own BG/NBD prediction.</summary>
    public const int WinBackChurnRisk = 70;

    /// <summary>Said in the editor when the abandoned-cart flow's second reminder goes without an offer.</summary>
    public const string NoOfferPolicyNote =
        "The second reminder goes without an offer: no offer policy has been trained yet, so nothing tells whom an offer would pay for. " +
        "Train “Which offer for whom” on an offers experiment, then add the condition “Predicted gain of an offer” before the last reminder.";

    public static IReadOnlyList<ReadyMadeFlow> All { get; } =
    [
        new(Welcome, "Welcome series", "Three e-mails over seven days after a customer signs up; they stop when the first order arrives."),
        new(AbandonedCart, "Abandoned cart", "A reminder an hour after a cart is left, a second one a day later — with an offer only for customers it is predicted to pay for; nothing once they order."),
        new(WinBack, "Win-back", $"When a customer's churn risk reaches {WinBackChurnRisk} %: a “we miss you” e-mail, and a week later one with an offer."),
        new(PostPurchase, "Post-purchase", "Three days after an order: thank you, and products picked for the customer."),
    ];

    public static ReadyMadeFlow? Find(string? key) => All.FirstOrDefault(f => string.Equals(f.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The definition of a ready-made flow, creating its e-mails (and segment) in <paramref name="db"/> if they are not there yet.</summary>
    public static async Task<FlowDefinition> BuildAsync(AppDbContext db, string key, string actor, DateTime now, CancellationToken ct) =>
        (await BuildWithNoteAsync(db, key, actor, now, ct)).Definition;

    /// <summary>
    /// The definition of a ready-made flow, with the note the editor shows when the shop's data decided part of it (the
    /// abandoned-cart flow's offer: see <see cref="CartOfferAsync"/>).
    /// </summary>
    public static async Task<ReadyMadeDefinition> BuildWithNoteAsync(AppDbContext db, string key, string actor, DateTime now, CancellationToken ct)
    {
        if (key == AbandonedCart)
        {
            return await AbandonedCartAsync(db, actor, now, ct);
        }

        return new ReadyMadeDefinition(await BuildOtherAsync(db, key, actor, now, ct), null);
    }

    /// <summary>
    /// The offer the abandoned-cart flow's second reminder carries: of the most recently trained offer policy's offers, the
    /// one with a discount (any offer when none has one) that pays for the most customers. Null when no policy stored predictions.
    /// </summary>
    public static async Task<OfferGainChoice?> CartOfferAsync(AppDbContext db, CancellationToken ct)
    {
        var offers = await OfferGainChoices.ListAsync(db, ct);
        if (offers.Count == 0)
        {
            return null;
        }

        var latest = offers.Where(o => o.ExperimentId == offers[0].ExperimentId).ToList();
        var discounted = latest.Where(o => o.DiscountShare > 0).ToList();
        return (discounted.Count > 0 ? discounted : latest).OrderByDescending(o => o.Pays).First();
    }

    private static async Task<ReadyMadeDefinition> AbandonedCartAsync(AppDbContext db, string actor, DateTime now, CancellationToken ct)
    {
        Task<int> Template(string name, string subject, string preheader, string html, string text) => TemplateAsync(db, name, subject, preheader, html, text, actor, now, ct);
        var reminder = await Template("Cart · Your cart is waiting", "Your cart is waiting, {{ customer.first_name | default: \"friend\" }}", "We kept your items for you",
            Body("You left something behind", "The items in your cart are still there. Come back and finish your order whenever you are ready."),
            "You left something behind. The items in your cart are still there: come back and finish your order whenever you are ready.");
        var last = await Template("Cart · Last reminder", "Still thinking it over?", "Your cart is still saved",
            Body("Still thinking it over?", "Your cart is saved. If something held you back, reply and tell us — we read every answer."),
            "Still thinking it over? Your cart is saved. If something held you back, reply and tell us.");
        var lastReminder = new SendEmailStep("cart-last", last) { Label = "Last reminder" };
        FlowStep second = lastReminder;
        string? note = NoOfferPolicyNote;
        if (await CartOfferAsync(db, ct) is { } pick)
        {
            var tier = pick.DiscountShare > 0 ? $"{pick.DiscountShare * 100:0.#}%" : "10%";
            var offer = await Template("Cart · A little something", "{{ campaign.discount_tier | default: \"10%\" }} off your cart — today only", "A thank-you for coming back",
                Body("A little something to help you decide", "Finish your order today and take {{ campaign.discount_tier | default: \"10%\" }} off: the discount is applied at checkout."),
                "Finish your order today and take {{ campaign.discount_tier | default: \"10%\" }} off: the discount is applied at checkout.");

            // Only where the policy predicts the offer pays for itself; customers it did not score have no prediction and get no offer.
            second = new ConditionSplitStep("offer-pays", null)
            {
                Label = "Does the offer pay?",
                OfferGain = new OfferGainCondition(pick.ExperimentId, pick.VariantId),
                Yes = [new SendEmailStep("cart-offer", offer) { Label = "Reminder with offer", OfferCost = 5m, DiscountTier = tier }],
                No = [lastReminder],
            };
            note = $"The second reminder carries the offer “{pick.Offer}” (experiment “{pick.Experiment}”) only for customers whose predicted gain from it is positive " +
                $"({pick.Pays:N0} of {pick.Scored:N0} scored customers); everyone else, including customers the policy did not score, gets the last reminder without an offer.";
        }

        return new ReadyMadeDefinition(new FlowDefinition
        {
            Trigger = new EventTrigger(new EventMatch(CartAbandoned)),
            Entry = new FlowEntryRule { AgainAfterDays = 7 },
            Goal = new FlowGoal(new EventMatch(EventMatch.Purchase)),
            ConversionWindowDays = 3,
            Steps =
            [
                new WaitStep("wait-1h", 60),
                new SendEmailStep("cart-reminder", reminder) { Label = "Your cart is waiting" },
                new WaitForEventStep("wait-order", new EventMatch(EventMatch.Purchase), 23 * 60)
                {
                    Happened = [new ExitStep("ordered")],
                    TimedOut = [second],
                },
            ],
        }, note);
    }

    private static async Task<FlowDefinition> BuildOtherAsync(AppDbContext db, string key, string actor, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        Task<int> Template(string name, string subject, string preheader, string html, string text) => TemplateAsync(db, name, subject, preheader, html, text, actor, now, ct);
        var orderGoal = new FlowGoal(new EventMatch(EventMatch.Purchase));
        switch (key)
        {
            case Welcome:
                {
                    var first = await Template("Welcome 1 · Hello", "Welcome, {{ customer.first_name | default: \"friend\" }}!", "Good to have you with us",
                        Body("Welcome, {{ customer.first_name | default: \"friend\" }}!", "Thank you for signing up. Here is what you can look forward to: new arrivals first, tips from our team and, now and then, an offer just for you."),
                        "Welcome, {{ customer.first_name | default: \"friend\" }}!\n\nThank you for signing up. New arrivals first, tips from our team and, now and then, an offer just for you.");
                    var second = await Template("Welcome 2 · Our favourites", "Our customers' favourites", "What people love most",
                        Body("Picked for you", "These are the products our customers come back for." + RecommendationsHtml), "Picked for you: the products our customers come back for." + RecommendationsText);
                    var third = await Template("Welcome 3 · Still looking?", "Still looking, {{ customer.first_name | default: \"friend\" }}?", "We are here to help",
                        Body("Can we help?", "Reply to this e-mail with any question: a person from our team reads every answer."), "Can we help? Reply to this e-mail with any question: a person from our team reads every answer.");
                    return new FlowDefinition
                    {
                        Trigger = new EventTrigger(new EventMatch(SignedUp)),
                        Goal = orderGoal,
                        Steps =
                        [
                            new SendEmailStep("welcome-1", first) { Label = "Welcome" },
                            new WaitStep("wait-2d", 2 * Day),
                            new SendEmailStep("welcome-2", second) { Label = "Favourites" },
                            new WaitStep("wait-5d", 5 * Day),
                            new SendEmailStep("welcome-3", third) { Label = "Can we help?" },
                        ],
                    };
                }

            case WinBack:
                {
                    var segment = await LapsingSegmentAsync(db, actor, now, ct);
                    var miss = await Template("Win-back · We miss you", "We miss you, {{ customer.first_name | default: \"friend\" }}", "A lot has changed since your last visit",
                        Body("It has been a while", "A lot is new since your last order. Have a look at what we picked for you." + RecommendationsHtml),
                        "It has been a while. A lot is new since your last order: have a look at what we picked for you." + RecommendationsText);
                    var comeBack = await Template("Win-back · Come back offer", "{{ campaign.discount_tier | default: \"15%\" }} off to welcome you back", "Our thank-you for coming back",
                        Body("Welcome back", "Take {{ campaign.discount_tier | default: \"15%\" }} off your next order: the discount is applied at checkout for the next 7 days."),
                        "Welcome back: take {{ campaign.discount_tier | default: \"15%\" }} off your next order, applied at checkout for the next 7 days.");
                    return new FlowDefinition
                    {
                        Trigger = new SegmentEntryTrigger(segment),
                        Entry = new FlowEntryRule { AgainAfterDays = 180 },
                        Goal = orderGoal,
                        ConversionWindowDays = 14,
                        Steps =
                        [
                            new SendEmailStep("miss-you", miss) { Label = "We miss you" },
                            new WaitStep("wait-7d", 7 * Day),
                            new SendEmailStep("come-back-offer", comeBack) { Label = "Come-back offer", OfferCost = 8m, DiscountTier = "15%" },
                        ],
                    };
                }

            case PostPurchase:
                {
                    var thanks = await Template("Post-purchase · Thank you", "Thank you for your order, {{ customer.first_name | default: \"friend\" }}", "Picked for you",
                        Body("Thank you for your order", "We hope you enjoy it. You may also like these, picked for you:" + RecommendationsHtml),
                        "Thank you for your order. We hope you enjoy it. You may also like:" + RecommendationsText);
                    return new FlowDefinition
                    {
                        Trigger = new EventTrigger(new EventMatch(EventMatch.Purchase)),
                        Entry = new FlowEntryRule { AgainAfterDays = 30 },

                        // The order that brings a customer in is also the goal: counted, it must not take them straight out.
                        Goal = orderGoal with { ExitOnGoal = false },
                        ConversionWindowDays = 14,
                        Steps =
                        [
                            new WaitStep("wait-3d", 3 * Day),
                            new SendEmailStep("thank-you", thanks) { Label = "Thank you + picks" },
                        ],
                    };
                }

            default:
                throw new ArgumentException($"There is no ready-made flow \"{key}\".", nameof(key));
        }
    }

    private const int Day = 24 * 60;

    private const string RecommendationsHtml = """
        </p>
        <table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px 0">
        {% for p in recommendations limit: 3 %}
          <tr><td style="padding:6px 0;font-size:16px">• {% if p.url %}<a href="{{ p.url }}" style="color:#1565c0">{{ p.name }}</a>{% else %}{{ p.name }}{% endif %}</td></tr>
        {% endfor %}
        </table>
        <p style="margin:0">
        """;

    private const string RecommendationsText = """


        {% for p in recommendations limit: 3 %}- {{ p.name }}{% if p.url %}: {{ p.url }}{% endif %}
        {% endfor %}
        """;

    /// <summary>A plain, e-mail-safe body: one centred 600 px table, inline styles, no images or scripts.</summary>
    private static string Body(string heading, string paragraph) => $$"""
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f5f5">
          <tr><td align="center" style="padding:24px 12px">
            <table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px">
              <tr><td style="padding:32px 28px;font-family:Arial,Helvetica,sans-serif;color:#212121;line-height:1.5">
                <h1 style="margin:0 0 16px 0;font-size:24px">{{heading}}</h1>
                <p style="margin:0;font-size:16px">{{paragraph}}</p>
              </td></tr>
            </table>
          </td></tr>
        </table>
        """;

    private static async Task<int> TemplateAsync(AppDbContext db, string name, string subject, string preheader, string html, string text, string actor, DateTime now,
        CancellationToken ct)
    {
        if (await db.EmailTemplates.Where(t => t.Name == name).Select(t => (int?)t.Id).FirstOrDefaultAsync(ct) is { } id)
        {
            return id;
        }

        var template = new EmailTemplate { Name = name, Subject = subject, Preheader = preheader, HtmlBody = html, TextBody = text, CreatedBy = actor, CreatedAt = now, UpdatedAt = now };
        db.EmailTemplates.Add(template);
        await db.SaveChangesAsync(ct);
        return template.Id;
    }

    private static async Task<int> LapsingSegmentAsync(AppDbContext db, string actor, DateTime now, CancellationToken ct)
    {
        var name = $"Likely to leave (churn risk ≥ {WinBackChurnRisk} %)";
        if (await db.Segments.Where(s => s.Name == name && s.Kind == SegmentKind.Rule).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct) is { } id)
        {
            return id;
        }

        var segment = new Segment
        {
            Name = name,
            Description = "Customers the shop's own purchase history predicts have probably stopped buying (BG/NBD churn risk); the win-back flow starts from it.",
            Kind = SegmentKind.Rule,
            RuleJson = SegmentRuleJson.Serialize(new SegmentRule
            {
                Root = new RuleGroup(GroupOperator.And, [new RuleCondition(RuleFields.ChurnRisk, RuleOperators.AtLeast) { Value = WinBackChurnRisk.ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
            }),
            CreatedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Segments.Add(segment);
        await db.SaveChangesAsync(ct);
        return segment.Id;
    }
}
