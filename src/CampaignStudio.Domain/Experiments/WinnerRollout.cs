namespace CampaignStudio.Domain.Experiments;

/// <summary>
/// Who takes part in a winner rollout's test: a pure function of (salt, customer), so the launch, the rollout and a second
/// instance agree on who was tested and who waits for the winner without storing the split.
/// </summary>
public static class WinnerRollout
{
    /// <summary>True when the customer is in the test share; the rest waits for the winner.</summary>
    public static bool InTest(string salt, long customerId, double testShare) =>
        VariantPicker.Unit(salt + "|rollout", customerId) < testShare;

    /// <summary>Why a rollout design cannot be used, in words; null when it can.</summary>
    public static string? Problem(double testShare, TimeSpan wait, double confidence, Allocation allocation)
    {
        if (!(testShare is > 0 and < 1))
        {
            return "The test share of a winner rollout must be between 0 % and 100 % of the audience.";
        }

        if (wait < TimeSpan.FromHours(1) || wait > TimeSpan.FromDays(31))
        {
            return "The wait before the winner goes out must be between 1 hour and 31 days.";
        }

        if (!(confidence is >= 0.5 and < 1))
        {
            return "The confidence a winner needs must be at least 50 % and below 100 %.";
        }

        return allocation == Allocation.Adaptive ? "An adaptive experiment moves its weights itself: a winner rollout needs fixed weights." : null;
    }
}
