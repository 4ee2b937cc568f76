using CampaignStudio.Analytics.Sequential;
using CampaignStudio.Analytics.Statistics;

namespace CampaignStudio.Analytics.Flows;

/// <summary>One side of a flow send step: the customers who got the mail, or those its holdout kept back.</summary>
/// <param name="Customers">Customers who reached the step on this side.</param>
/// <param name="Conversions">Of them, those who reached the flow's goal within the conversion window.</param>
/// <param name="Value">Value per customer in the window (0 for those who bought nothing).</param>
public sealed record StepGroup(long Customers, long Conversions, MeanSummary Value);

/// <summary>When a send step may pause itself (docs/decisions/053-flows.md).</summary>
/// <param name="MinimumSample">Customers (both sides) before the step may be called useless; also where the always-valid interval is tightest.</param>
/// <param name="MinimumWorthwhileLift">A lift in conversion rate below this is not worth a mail (0.001 = 0.1 percentage points).</param>
/// <param name="OptOutLimit">Unsubscribes and complaints per mail sent above which the step is harmful (0.01 = 1 %).</param>
/// <param name="Alpha">Chance of ever calling a step wrongly, however often the report is opened.</param>
public sealed record StepPauseRule(long MinimumSample = 2_000, double MinimumWorthwhileLift = 0.001, double OptOutLimit = 0.01, double Alpha = 0.05);

public enum StepVerdict
{
    /// <summary>More conversions than the holdout, beyond doubt.</summary>
    Helping,

    /// <summary>Not clear yet either way: keep it running.</summary>
    NoClearEffect,

    /// <summary>After the minimum sample, the best the step can be doing is below a worthwhile lift: it may pause itself.</summary>
    Useless,

    /// <summary>Fewer conversions than the holdout, or too many opt-outs, beyond doubt: it should pause itself.</summary>
    Harmful,
}

/// <summary>What a send step did against its own holdout, in figures that stay valid however often they are looked at.</summary>
/// <param name="Rate">Conversion rate of the mailed minus the held out (always-valid and fixed-horizon intervals).</param>
/// <param name="ValuePerCustomer">Value per customer, mailed minus held out; null when a side has fewer than two customers.</param>
/// <param name="IncrementalConversions">Conversions the mail caused: the rate lift times the customers mailed.</param>
/// <param name="IncrementalConversionsInterval">Its always-valid interval.</param>
/// <param name="IncrementalValue">Value the mail caused; null with <see cref="ValuePerCustomer"/>.</param>
/// <param name="IncrementalValueInterval">Its always-valid interval.</param>
/// <param name="OfferCost">What the offer cost over every mailed customer who converted (those who would have bought anyway too).</param>
/// <param name="OptOutRate">Unsubscribes and complaints per mail sent.</param>
/// <param name="OptOutInterval">Its always-valid interval.</param>
/// <param name="Verdict">What the step is doing, and whether it may pause itself.</param>
/// <param name="Reason">The verdict in a sentence with its figures.</param>
public sealed record StepLiftReading(
    SequentialReading Rate, SequentialReading? ValuePerCustomer, double IncrementalConversions, ConfidenceInterval IncrementalConversionsInterval,
    double? IncrementalValue, ConfidenceInterval? IncrementalValueInterval, double OfferCost, double OptOutRate, ConfidenceInterval OptOutInterval,
    StepVerdict Verdict, string Reason)
{
    /// <summary>Value caused minus what the offer cost; null without a value reading.</summary>
    public double? NetValue => IncrementalValue - OfferCost;
}

/// <summary>
/// Reads a flow send step against its holdout: the conversions and value it caused (not those it merely preceded), what its
/// offer cost, and whether it should pause itself — harmful (conversion lift below zero or opt-outs above the limit, by the
/// always-valid interval) or useless (after the minimum sample, even the upper end of the lift is below a worthwhile lift).
/// Always-valid intervals because the report is open every day and a step pauses itself whenever it looks.
/// </summary>
public static class StepLift
{
    /// <summary>The reading; null while a side has fewer than two customers (too early to say anything).</summary>
    public static StepLiftReading? Read(StepGroup mailed, StepGroup heldOut, long optOuts, double offerCostPerConversion, StepPauseRule? rule = null)
    {
        rule ??= new StepPauseRule();
        if (mailed.Customers < 2 || heldOut.Customers < 2)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(optOuts);
        var planned = Math.Max(rule.MinimumSample, 2);
        var rate = ConfidenceSequence.DifferenceInRates(mailed.Conversions, mailed.Customers, heldOut.Conversions, heldOut.Customers, planned, rule.Alpha);
        var value = mailed.Value.N >= 2 && heldOut.Value.N >= 2
            ? ConfidenceSequence.DifferenceInMeans(mailed.Value, heldOut.Value, planned, rule.Alpha)
            : null;

        var n = mailed.Customers;
        var offerCost = offerCostPerConversion * mailed.Conversions;
        var optOutRate = Math.Min(1, (double)optOuts / n);
        var optOutRadius = Math.Sqrt(optOutRate * (1 - optOutRate)) * ConfidenceSequence.UnitRadius(n, ConfidenceSequence.TuningRhoSquared(planned, rule.Alpha), rule.Alpha);
        var optOut = new ConfidenceInterval(Math.Max(0, optOutRate - optOutRadius), Math.Min(1, optOutRate + optOutRadius));

        var (verdict, reason) = Judge(rate, optOut, optOutRate, mailed.Customers + heldOut.Customers, rule);
        return new StepLiftReading(rate, value, rate.Difference * n, Scale(rate.AlwaysValid, n),
            value is null ? null : value.Difference * n, value is null ? null : Scale(value.AlwaysValid, n), offerCost, optOutRate, optOut, verdict, reason);
    }

    private static (StepVerdict, string) Judge(SequentialReading rate, ConfidenceInterval optOut, double optOutRate, long customers, StepPauseRule rule)
    {
        if (optOut.Lower > rule.OptOutLimit)
        {
            return (StepVerdict.Harmful, $"{optOutRate:P2} of those mailed unsubscribed or complained — above the {rule.OptOutLimit:P1} limit, beyond doubt.");
        }

        if (rate.AlwaysValid.Upper < 0)
        {
            return (StepVerdict.Harmful, $"Those mailed convert less than the holdout: {Points(rate.AlwaysValid.Lower)} to {Points(rate.AlwaysValid.Upper)}.");
        }

        if (rate.AlwaysValid.Lower > 0)
        {
            return (StepVerdict.Helping, $"The mail adds {Points(rate.AlwaysValid.Lower)} to {Points(rate.AlwaysValid.Upper)} to the conversion rate.");
        }

        if (customers >= rule.MinimumSample && rate.AlwaysValid.Upper < rule.MinimumWorthwhileLift)
        {
            return (StepVerdict.Useless, $"After {customers:N0} customers the mail adds at most {Points(rate.AlwaysValid.Upper)}, below the {Points(rule.MinimumWorthwhileLift)} worth a mail.");
        }

        return (StepVerdict.NoClearEffect, $"Not clear yet: the lift is between {Points(rate.AlwaysValid.Lower)} and {Points(rate.AlwaysValid.Upper)}.");
    }

    private static ConfidenceInterval Scale(ConfidenceInterval ci, double by) => new(ci.Lower * by, ci.Upper * by);

    /// <summary>A rate difference in percentage points, e.g. "+0.42 pp".</summary>
    private static string Points(double difference) => $"{difference * 100:+0.00;−0.00;0.00} pp";
}
