using CampaignStudio.Analytics.Offers;
using Xunit.Abstractions;

namespace CampaignStudio.Analytics.Tests.Offers;

/// <summary>
/// A randomized test and the round its policy launched (10 % explored, 10 % held out), pooled into one training set with each
/// row's chance of its offer: what the studio trains on once a round's outcomes are in (decision 044).
/// </summary>
public class LaterRoundsTests(ITestOutputHelper output)
{
    // The launched policy: 10 % off for occasional buyers, 20 % off for price-sensitive ones, no message for the rest.
    private static int[] Policy(string[] kinds) => [.. kinds.Select(k => k switch { "occasional" => 2, "price-sensitive" => 3, _ => 0 })];

    /// <summary>The shop's randomized test and, for the same customers, the launched round with its logged chances.</summary>
    private static (SyntheticShop Test, SyntheticShop Round) Rounds(int n, int seed) =>
        (SyntheticShop.Create(n, seed),
         SyntheticShop.Create(n, seed, launch: kinds => ExplorationPlan.Draw(Policy(kinds), arms: 4, noMessageArm: 0, exploration: 0.10, holdout: 0.10, seed: seed + 7)));

    /// <summary>Both rounds' rows in one experiment; <paramref name="logged"/> false forgets the round's chances (the design's shares instead).</summary>
    private static OfferExperiment Pool(SyntheticShop test, SyntheticShop round, bool logged = true)
    {
        var a = test.Experiment;
        var b = round.Experiment;
        return new OfferExperiment([.. a.Features, .. b.Features], a.FeatureNames, a.ArmNames, a.ControlArm, a.ArmShares, [.. a.Arm, .. b.Arm], [.. a.Value, .. b.Value],
            [.. a.Propensity, .. logged ? b.Propensity : b.Arm.Select(x => a.ArmShares[x])]);
    }

    [Fact]
    public void PooledWithTheRoundTheDoublyRobustValueOfEveryOfferStaysUnbiasedOnlyWithTheLoggedChances()
    {
        // However poor the value model (here none: zero for everyone), Γ with the logged chances is unbiased; forgetting them is not.
        const int Runs = 300, Customers = 2_000;
        var errors = new double[4][];
        var forgetful = new double[4][];
        for (var arm = 0; arm < 4; arm++)
        {
            errors[arm] = new double[Runs];
            forgetful[arm] = new double[Runs];
        }

        for (var run = 0; run < Runs; run++)
        {
            var (test, round) = Rounds(Customers, seed: 1_000 + run);
            var zero = Enumerable.Range(0, 2 * Customers).Select(_ => new double[4]).ToArray();
            var pooled = PolicyEvaluator.Evaluate(Pool(test, round), zero, new int[2 * Customers]);
            var naive = PolicyEvaluator.Evaluate(Pool(test, round, logged: false), zero, new int[2 * Customers]);
            for (var arm = 0; arm < 4; arm++)
            {
                // The same customers twice: the pooled truth is the shop's.
                var truth = test.TrueValueOfArm(arm);
                errors[arm][run] = pooled.Arms[arm].ValuePerCustomer - truth;
                forgetful[arm][run] = naive.Arms[arm].ValuePerCustomer - truth;
            }
        }

        for (var arm = 0; arm < 4; arm++)
        {
            var bias = errors[arm].Average();
            var monteCarloError = Math.Sqrt(errors[arm].Average(e => (e - bias) * (e - bias)) / Runs);
            output.WriteLine($"{SyntheticShop.Arms[arm]}: bias {bias:0.####} ± {monteCarloError:0.####}; forgetting the chances {forgetful[arm].Average():0.####}");
            Math.Abs(bias).ShouldBeLessThan(4 * monteCarloError, SyntheticShop.Arms[arm]);
        }

        // The policy sends 10 % and 20 % off to the customers who need them: without the logged chances those offers look far better than they are.
        forgetful.Max(f => Math.Abs(f.Average())).ShouldBeGreaterThan(0.5);
    }

    [Fact]
    public void TrainingOnBothRoundsUsesEveryRowAndItsValuesCoverTheTruth()
    {
        var (test, round) = Rounds(20_000, seed: 3);

        var policy = OfferPolicyTrainer.Train(Pool(test, round));

        policy.RecommendedAssignment.Length.ShouldBe(40_000);
        for (var arm = 0; arm < 4; arm++)
        {
            var value = policy.Evaluation.Arms[arm];
            output.WriteLine($"{SyntheticShop.Arms[arm]}: true {test.TrueValueOfArm(arm):0.###}, DR {value.ValuePerCustomer:0.###} [{value.Ci.Lower:0.###}, {value.Ci.Upper:0.###}]");
            value.Ci.Contains(test.TrueValueOfArm(arm)).ShouldBeTrue(SyntheticShop.Arms[arm]);
        }

        // The learned policy, on the shop's customers, is worth most of the oracle's gain.
        test.CapturedShare(policy.RecommendedAssignment[..20_000]).ShouldBeGreaterThan(0.8);
    }
}
