using CampaignStudio.Data.Bounces;
using CampaignStudio.Domain.Bounces;
using CampaignStudio.Messaging.Bounces.Providers;

namespace CampaignStudio.Sending.Bounces;

/// <summary>
/// Records what a sending provider reported through the same <see cref="BounceLedger"/> path as a bounce mail: one event per
/// provider event id (the unique key of the event table), the message marked, the policy applied and a suppression written
/// to the consent log with the event — and the provider's JSON in it — as the proof.
/// </summary>
public sealed class ProviderEventRecorder(BounceLedger ledger, BounceMailboxStore mailbox, TimeProvider clock)
{
    public async Task<IReadOnlyList<BounceRecorded>> RecordAsync(IReadOnlyList<ProviderEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var recorded = new List<BounceRecorded>(events.Count);
        if (events.Count == 0)
        {
            return recorded;
        }

        var references = await mailbox.MessageReferencesAsync(ct);
        foreach (var e in events)
        {
            // Our signed reference names the message; else the Message-ID the provider kept (SendGrid, Mailgun).
            long? messageId = references.TryRead(e.MessageReference, out var id) ? id : null;
            var reading = new BounceReading(e.Kind, e.StatusCode, e.Diagnostic, messageId, null, e.MessageIdHeader, e.Evidence);
            var name = ProviderEvent.Name(e.Provider);
            var mail = new BounceMail(e.Key, $"{name} webhook: {e.Kind.ToString().ToLowerInvariant()} for {e.Recipient}", name + " (webhook)",
                (e.OccurredAt ?? clock.GetUtcNow()).UtcDateTime);
            recorded.Add(await ledger.RecordAsync(reading, mail, ct));
        }

        return recorded;
    }
}
