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

    /// <summary>
    /// Whether the person once agreed to <paramref name="purpose"/> on the e-mail channel: an opt-in with the wording they
    /// were shown, at any time. Only then may a link in an e-mail (the preference centre) ask them to subscribe again.
    /// </summary>
    public static bool HasAgreedBefore(IEnumerable<ConsentRecord> records, string purpose = ConsentPurposes.Marketing)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.Any(r => r.Channel == ConsentChannel.Email && string.Equals(r.Purpose, purpose, StringComparison.Ordinal)
            && r.Status == ConsentStatus.OptedIn && HasProof(r));
    }

    /// <summary>
    /// Whether a double opt-in confirmation e-mail may ask the person to subscribe to <paramref name="purpose"/>, given their
    /// log and who starts it. Subscribing always takes the person's click in that e-mail; this decides who may be asked:
    /// staff only people who never answered; a link in an e-mail (preference centre) only someone who agreed before and
    /// whose address still receives mail; the person's own sign-up (form, API, import) anyone not subscribed yet.
    /// </summary>
    public static ConfirmationRefusal MayAskToConfirm(IEnumerable<ConsentRecord> records, ConsentSource source, DateTime nowUtc,
        string purpose = ConsentPurposes.Marketing)
    {
        ArgumentNullException.ThrowIfNull(records);
        var log = records as IReadOnlyCollection<ConsentRecord> ?? records.ToList();
        var status = Derive(log, purpose);
        if (status == ConsentStatus.OptedIn)
        {
            return ConfirmationRefusal.AlreadyOptedIn;
        }

        var refusal = source switch
        {
            ConsentSource.Admin when status is not (ConsentStatus.Unknown or ConsentStatus.Pending) => ConfirmationRefusal.SaidNo,
            ConsentSource.PreferenceCentre or ConsentSource.UnsubscribeLink when IsSuppression(status) => ConfirmationRefusal.AddressSuppressed,
            ConsentSource.PreferenceCentre or ConsentSource.UnsubscribeLink when !HasAgreedBefore(log, purpose) => ConfirmationRefusal.NeverAgreed,
            ConsentSource.Bounce or ConsentSource.ComplaintReport => ConfirmationRefusal.AddressSuppressed,
            _ => ConfirmationRefusal.None,
        };
        return refusal == ConfirmationRefusal.None && ConfirmationsSent(log, purpose, nowUtc) >= ConfirmationsPerDay
            ? ConfirmationRefusal.AskedTooOften
            : refusal;
    }

    /// <summary>
    /// Confirmation e-mails one person may get per purpose in 24 hours, whoever asks: enough for a lost e-mail and a second
    /// try, too few for a leaked preference link (or a script on the API) to flood an inbox from the shop's address.
    /// </summary>
    public const int ConfirmationsPerDay = 3;

    /// <summary>Confirmation e-mails sent for the purpose in the 24 hours before <paramref name="nowUtc"/>: "pending" is recorded only once one left.</summary>
    public static int ConfirmationsSent(IEnumerable<ConsentRecord> records, string purpose, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(records);
        var since = nowUtc.AddDays(-1);
        return records.Count(r => r.Purpose == purpose && r.Status == ConsentStatus.Pending && r.RecordedAt > since);
    }

    /// <summary>
    /// Sources whose records come from a link in an e-mail (or a mailbox's report). They may withdraw consent or start a
    /// confirmation, never record an opt-in themselves: the opt-in is the double opt-in click.
    /// </summary>
    public static bool MayRecordOptIn(ConsentSource source) => source is not (ConsentSource.PreferenceCentre or ConsentSource.UnsubscribeLink or ConsentSource.Bounce or ConsentSource.ComplaintReport);

    /// <summary>Bounced and complained addresses are never mailed, whatever the person chose before.</summary>
    public static bool IsSuppression(ConsentStatus status) => status is ConsentStatus.Bounced or ConsentStatus.Complained;

    /// <summary>An opt-in counts only when we can show what the person was asked: the wording version.</summary>
    public static bool HasProof(ConsentRecord record) => !string.IsNullOrWhiteSpace(record?.WordingVersion);
}
