using System.Globalization;
using CampaignStudio.Analytics.Statistics;
using MathNet.Numerics.Distributions;

namespace CampaignStudio.Analytics.Offers;

/// <summary>An estimated value per customer with its confidence interval.</summary>
/// <param name="Name">What is valued: an arm given to everyone, the learned policy, or a difference.</param>
/// <param name="ValuePerCustomer">Doubly-robust estimate of the mean value per customer.</param>
/// <param name="StandardError">Influence-function standard error of that mean.</param>
/// <param name="Ci">Confidence interval.</param>
public sealed record PolicyValue(string Name, double ValuePerCustomer, double StandardError, ConfidenceInterval Ci);

/// <summary>What the studio recommends, and why in plain words.</summary>
/// <param name="UseLearnedPolicy">True: give each customer their own best offer. False: give everyone <paramref name="Arm"/>.</param>
/// <param name="Arm">The single arm recommended for everyone, when the learned policy is not.</param>
/// <param name="Reason">The reason, in the marketer's language.</param>
public sealed record OfferRecommendation(bool UseLearnedPolicy, int? Arm, string Reason);

/// <summary>Off-policy evaluation of a learned policy beside every single arm.</summary>
/// <param name="Arms">Value of each arm given to everyone (index = arm), "no message" included.</param>
/// <param name="LearnedPolicy">Value of giving each customer the arm the policy chose.</param>
/// <param name="BestSingleArm">Index of the single arm with the highest estimated value.</param>
/// <param name="GainOverBestArm">Learned policy minus the best single arm, paired per customer.</param>
/// <param name="GainOverNoMessage">Learned policy minus "no message", paired per customer.</param>
/// <param name="Recommendation">The recommendation and its reason.</param>
public sealed record PolicyEvaluation(
    IReadOnlyList<PolicyValue> Arms,
    PolicyValue LearnedPolicy,
    int BestSingleArm,
    PolicyValue GainOverBestArm,
    PolicyValue GainOverNoMessage,
    OfferRecommendation Recommendation)
{
    /// <summary>
    /// What the recommendation promises over "no message", paired per customer: the learned policy's gain when it is
    /// recommended, else the recommended single arm's. A launched round is read against it (predicted vs realised); null
    /// on evaluations stored before it existed.
    /// </summary>
    public PolicyValue? RecommendedGainOverNoMessage { get; init; }
}

/// <summary>
/// Doubly-robust (AIPW) off-policy evaluation on a randomized experiment with known arm shares (Dudík, Langford &amp; Li 2011;
/// Athey &amp; Wager 2021). Each customer gets a score per arm, Γᵢ(a) = m̂ₐ(xᵢ) + 1{Aᵢ = a}(Yᵢ − m̂ₐ(xᵢ)) / eₐ(xᵢ), with m̂ an
/// out-of-fold value model and eₐ the customer's known chance of getting arm a (the arm's share in a randomized test,
/// the logged propensity after a launch with exploration). The mean of Γᵢ(π(xᵢ)) is the value of policy π; because
/// eₐ is known, it stays unbiased however wrong m̂ is, and a good m̂ only narrows it.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Per customer and arm the doubly-robust score Γᵢ(a).</summary>
    /// <param name="data">The experiment.</param>
    /// <param name="outcomeModel">Out-of-fold predicted value of every arm per customer, [customer][arm].</param>
    public static double[][] Scores(OfferExperiment data, double[][] outcomeModel)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outcomeModel);
        if (outcomeModel.Length != data.Count || outcomeModel.Any(r => r.Length != data.ArmCount))
        {
            throw new ArgumentException("The value model needs one prediction per customer and arm.", nameof(outcomeModel));
        }

        var scores = new double[data.Count][];
        for (var i = 0; i < data.Count; i++)
        {
            var row = (double[])outcomeModel[i].Clone();
            var a = data.Arm[i];
            row[a] += (data.Value[i] - outcomeModel[i][a]) / data.Propensity[i];
            scores[i] = row;
        }

        return scores;
    }

    /// <summary>
    /// Values the <paramref name="policy"/> (an arm per customer) and every single arm, and recommends the policy only when
    /// its gain over the best single arm has a confidence interval entirely above zero.
    /// </summary>
    /// <param name="data">The experiment.</param>
    /// <param name="outcomeModel">Out-of-fold predicted value of every arm per customer, [customer][arm].</param>
    /// <param name="policy">The arm the policy gives each customer, chosen by models that did not see that customer.</param>
    /// <param name="confidence">Confidence of the intervals (0.95).</param>
    public static PolicyEvaluation Evaluate(OfferExperiment data, double[][] outcomeModel, int[] policy, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outcomeModel);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Length != outcomeModel.Length || policy.Any(a => a < 0 || a >= data.ArmCount))
        {
            throw new ArgumentException("The policy needs one arm per customer.", nameof(policy));
        }

        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence));
        }

        var gamma = Scores(data, outcomeModel);
        var z = Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2);
        var n = data.Count;
        var arms = Enumerable.Range(0, data.ArmCount)
            .Select(a => Mean(data.ArmNames[a] + " for everyone", i => gamma[i][a], n, z))
            .ToArray();
        var best = Enumerable.Range(0, data.ArmCount).MaxBy(a => arms[a].ValuePerCustomer);
        var learned = Mean("Learned policy", i => gamma[i][policy[i]], n, z);
        var gainOverBest = Mean($"Learned policy − {data.ArmNames[best]}", i => gamma[i][policy[i]] - gamma[i][best], n, z);
        var control = data.ControlArm;
        var gainOverNone = Mean($"Learned policy − {data.ArmNames[control]}", i => gamma[i][policy[i]] - gamma[i][control], n, z);

        var recommendation = Recommend(data, arms, best, gainOverBest, policy, confidence);
        var promised = recommendation.UseLearnedPolicy ? gainOverNone
            : Mean($"{data.ArmNames[best]} − {data.ArmNames[control]}", i => gamma[i][best] - gamma[i][control], n, z);
        return new PolicyEvaluation(arms, learned, best, gainOverBest, gainOverNone, recommendation) { RecommendedGainOverNoMessage = promised };
    }

    private static OfferRecommendation Recommend(
        OfferExperiment data, PolicyValue[] arms, int best, PolicyValue gainOverBest, int[] policy, double confidence)
    {
        var percent = Text($"{confidence * 100:0.#} %");
        var bestName = data.ArmNames[best];
        if (gainOverBest.Ci.Lower > 0)
        {
            return new OfferRecommendation(true, null,
                Text($"Choosing the offer per customer brings {gainOverBest.ValuePerCustomer:0.###} more per customer than giving everyone ") +
                Text($"\"{bestName}\" ({percent} interval {gainOverBest.Ci.Lower:0.###} to {gainOverBest.Ci.Upper:0.###}, measured on customers the models did not see)."));
        }

        var interval = Text($"{gainOverBest.ValuePerCustomer:0.###} per customer ({percent} interval {gainOverBest.Ci.Lower:0.###} to {gainOverBest.Ci.Upper:0.###})");
        var why = policy.All(a => a == best)
            ? "The models found no customers for whom another offer pays better."
            : gainOverBest.Ci.Upper < 0
                ? $"Choosing the offer per customer would bring less than giving everyone \"{bestName}\": {interval}. " +
                  "The differences the models saw between customers did not hold on customers they had not seen."
                : $"Choosing the offer per customer is not proven better than giving everyone \"{bestName}\": the gain is {interval}, " +
                  "which may be zero. Experiments of this size rarely support per-customer choices; a larger test can.";
        return new OfferRecommendation(false, best, Text($"Give everyone \"{bestName}\" (worth {arms[best].ValuePerCustomer:0.###} per customer). {why}"));
    }

    // The reason is stored and shown as is; numbers in it must not change with the server's culture.
    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static PolicyValue Mean(string name, Func<int, double> score, int n, double z)
    {
        // Γᵢ are independent across customers (randomized draw, out-of-fold models), so the influence-function
        // (sandwich) variance of their mean is their sample variance over n.
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = score(i);
        }

        var summary = MeanSummary.FromValues(values);
        var se = summary.StandardError;
        return new PolicyValue(name, summary.Mean, se, new ConfidenceInterval(summary.Mean - z * se, summary.Mean + z * se));
    }
}
