namespace CampaignStudio.Domain.Consent;

/// <summary>How the current consent status follows from the append-only log. Pure, so the ledger, the dashboard and tests agree.</summary>
public static class ConsentRules
{
    /// <summary>
    /// The status of one purpose on the e-mail channel after all <paramref name="records"/> (any order; sorted here by time, then id).
    /// The latest effective record wins. A bounce or complaint concerns the address, so it suppresses every purpose.
    /// Records that prove nothing (an opt-in or pending without the wording shown, or "unknown") change nothing,
    /// so an import without proof leaves a customer unknown and never mailed.
    /// </summary>
    public static ConsentStatus Derive(IEnumerable<ConsentRecord> records, string purpose = ConsentPurposes.Marketing)
    {
        ArgumentNullException.ThrowIfNull(records);
        var status = ConsentStatus.Unknown;
        foreach (var record in records.OrderBy(r => r.RecordedAt).ThenBy(r => r.Id))
        {
            status = Next(status, record, purpose);
        }

        return status;
    }

    /// <summary>One step of <see cref="Derive"/>: the status after <paramref name="record"/>, records taken in time order.</summary>
    public static ConsentStatus Next(ConsentStatus current, ConsentRecord record, string purpose = ConsentPurposes.Marketing)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Channel != ConsentChannel.Email)
        {
            return current;
        }

        if (IsSuppression(record.Status))
        {
            return record.Status;
        }

        if (!string.Equals(record.Purpose, purpose, StringComparison.Ordinal))
        {
            return current;
        }

        return record.Status switch
        {
            ConsentStatus.OptedOut => ConsentStatus.OptedOut,
            ConsentStatus.OptedIn or ConsentStatus.Pending when HasProof(record) => record.Status,
            _ => current,
        };
    }

    /// <summary>Bounced and complained addresses are never mailed, whatever the person chose before.</summary>
    public static bool IsSuppression(ConsentStatus status) => status is ConsentStatus.Bounced or ConsentStatus.Complained;

    /// <summary>An opt-in counts only when we can show what the person was asked: the wording version.</summary>
    public static bool HasProof(ConsentRecord record) => !string.IsNullOrWhiteSpace(record?.WordingVersion);
}
