using System.Diagnostics;
using CampaignStudio.Data;
using CampaignStudio.Data.Campaigns;
using CampaignStudio.Data.Settings;
using CampaignStudio.Domain.Campaigns;
using CampaignStudio.Messaging.Links;
using CampaignStudio.Messaging.Mime;
using CampaignStudio.Messaging.Templates;
using CampaignStudio.Messaging.Transport;
using CampaignStudio.Sending.Tracking;
using CampaignStudio.Sending.Personalization;
using Microsoft.EntityFrameworkCore;
using Polly;
using MimeSender = CampaignStudio.Messaging.Mime.SenderIdentity;

namespace CampaignStudio.Sending;

/// <summary>
/// One pass of the send pipeline: lease a batch of a sending campaign, re-check consent, render, track links, send through
/// the transport (retrying 4xx with backoff, paced by the provider's limits) and record every result in the ledger.
/// </summary>
public sealed class CampaignSender : IAsyncDisposable
{
    public const string SuppressedAtSend = "Opted out (or lost the address) after launch.";

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TemplateRenderer _renderer;
    private readonly MessageBuilder _builder;
    private readonly SignedTokenService _tokens;
    private readonly IMailTransport _transport;
    private readonly SenderIdentityStore _senders;
    private readonly SendOptions _send;
    private readonly SendWorkerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<CampaignSender> _log;
    private readonly SendRateLimiter? _limiter;
    private readonly ResiliencePipeline<SendResult> _pipeline;
    private readonly int _parallelism;
    private readonly RecommendationLists _recommendations;
    private readonly Bounces.BounceMailboxStore? _bounceMailbox;
    private readonly Bounces.ProviderWebhookStore? _providerWebhooks;
    private readonly AutomaticPauseStore? _automaticPauses;
    private readonly ClickKeyStore _clickKeys;
    private Task<Preloaded?>? _next;

    /// <summary>How old read-ahead recipients may be when their batch is leased; older, they are read again.</summary>
    private static readonly TimeSpan MaxPreloadAge = TimeSpan.FromSeconds(10);

    public CampaignSender(IDbContextFactory<AppDbContext> dbFactory, TemplateRenderer renderer, MessageBuilder builder, SignedTokenService tokens,
        ClickKeyStore clickKeys, IMailTransport transport, SenderIdentityStore senders, Messaging.MailOptions mail, SendWorkerOptions options, TimeProvider clock,
        ILogger<CampaignSender> log, RecommendationLists recommendations, Bounces.BounceMailboxStore? bounceMailbox = null,
        Bounces.ProviderWebhookStore? providerWebhooks = null, AutomaticPauseStore? automaticPauses = null)
    {
        _clickKeys = clickKeys;
        _providerWebhooks = providerWebhooks;
        _automaticPauses = automaticPauses;
        _bounceMailbox = bounceMailbox;
        _recommendations = recommendations;
        _dbFactory = dbFactory;
        _renderer = renderer;
        _builder = builder;
        _tokens = tokens;
        _transport = transport;
        _senders = senders;
        _send = mail.Send;
        _options = options;
        _clock = clock;
        _log = log;
        // The per-second limit is drawn from the database so it holds over every instance; the minute and hour caps are
        // counted from the ledger when leasing (MessageLedger.LeaseWithinLimitsAsync), the in-process windows only smooth this worker's pace.
        _limiter = SendRateLimiter.Create(mail.Send,
            mail.Send.MaxPerSecond is > 0 and var perSecond ? new SharedSendPace(dbFactory, perSecond, clock) : null);
        _pipeline = SendResilience.CreatePipeline(mail.Send, _limiter?.Limiter, clock);
        _parallelism = Math.Max(1, options.Parallelism ?? mail.Smtp.Connections);
        WorkerId = options.ResolveWorkerId();
    }

    public string WorkerId { get; }

    /// <summary>Sends one batch of the oldest sending campaign that has due messages; false when there was nothing to do.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        List<Campaign> sending;
        var started = Stopwatch.GetTimestamp();
        await using (var db = await _dbFactory.CreateDbContextAsync(ct))
        {
            sending = await db.Campaigns.AsNoTracking().Where(c => c.Status == CampaignStatus.Sending).OrderBy(c => c.LaunchedAt).ThenBy(c => c.Id).ToListAsync(ct);
        }

        SendStages.Time(SendStages.Campaigns, started);

        foreach (var campaign in sending)
        {
            IReadOnlyList<LeasedMessage> leased;
            started = Stopwatch.GetTimestamp();
            await using (var db = await _dbFactory.CreateDbContextAsync(ct))
            {
                leased = await MessageLedger.LeaseWithinLimitsAsync(db, campaign.Id, WorkerId, BatchSize(), _clock.GetUtcNow().UtcDateTime, _options.Lease,
                    _send.MaxPerMinute, _send.MaxPerHour, ct);
                SendStages.Time(SendStages.Lease, started);
                if (leased.Count == 0)
                {
                    await MessageLedger.CompleteIfDoneAsync(db, campaign.Id, _clock.GetUtcNow().UtcDateTime, ct);
                    continue;
                }
            }

            started = await SendBatchAsync(campaign, leased, ct);
            await using (var db = await _dbFactory.CreateDbContextAsync(ct))
            {
                // More mail sent can bring a campaign to a limit's minimum with the bounces it already has (decision 047); a
                // campaign with nothing left to send completes instead (there is nothing a pause would hold back).
                if (!await MessageLedger.CompleteIfDoneAsync(db, campaign.Id, _clock.GetUtcNow().UtcDateTime, ct) && _automaticPauses is not null
                    && await AutomaticPauses.CheckAsync(db, campaign.Id, await _automaticPauses.GetAsync(ct), _clock.GetUtcNow().UtcDateTime, ct) is { } cause)
                {
                    _log.LogWarning("Campaign {CampaignId} paused itself: {Cause} reached the limit", campaign.Id, cause);
                }
            }

            SendStages.Time(SendStages.Finish, started);

            return true;
        }

        return false;
    }

    /// <summary>Messages leased at a time: a batch should not outlast a pause click by much at a slow per-second pace.</summary>
    private int BatchSize() =>
        _send.MaxPerSecond is > 0 and var perSecond ? Math.Min(_options.BatchSize, Math.Max(1, perSecond * 2)) : _options.BatchSize;

    /// <summary>Sends a leased batch; returns when (a <see cref="Stopwatch"/> timestamp) its send phase ended.</summary>
    private async Task<long> SendBatchAsync(Campaign campaign, IReadOnlyList<LeasedMessage> leased, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var identity = await _senders.GetAsync(ct);
        var returnAddresses = _bounceMailbox is null ? null : await _bounceMailbox.ReturnAddressesAsync(ct);
        var references = _bounceMailbox is null ? null : await _bounceMailbox.MessageReferencesAsync(ct);
        var clicks = await _clickKeys.GetAsync(ct);
        var providers = _providerWebhooks is null ? new HashSet<Messaging.Bounces.Providers.EmailProvider>() : (await _providerWebhooks.GetAsync(ct)).Enabled;
        Dictionary<long, RecipientData> recipients;
        Dictionary<int, CompiledTemplate?> templates;
        Dictionary<long, string> overCap;
        await using (var db = await _dbFactory.CreateDbContextAsync(ct))
        {
            // Consent is read again now, not taken from launch: an opt-out at any time stops every later send.
            var customerIds = leased.Select(m => m.CustomerId).Distinct().ToList();
            recipients = await RecipientsAsync(db, campaign.Id, customerIds, ct);
            templates = await TemplatesAsync(db, campaign, leased, ct);

            // The frequency cap counts mail that already left, over every campaign and flow (off unless set in Settings).
            overCap = await FrequencyCap.OverCapAsync(db, customerIds, await SendingRulesStore.ReadAsync(db, ct), _clock.GetUtcNow().UtcDateTime,
                countQueued: false, ct);
        }

        SendStages.Time(SendStages.Recipients, started);
        started = Stopwatch.GetTimestamp();
        if (leased.Count == BatchSize())
        {
            PreloadNext(campaign.Id, ct);
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        await using var recorder = new OutcomeRecorder(_dbFactory, WorkerId, Math.Max(1, _options.InFlightWindow), _clock);
        var sender = new MimeSender(identity.FromName, identity.FromAddress, null, identity.ReplyTo);
        // Chosen collections are the same for every recipient: read once per batch from the catalogue in memory, not per message.
        var campaignData = new CampaignData(campaign.Id, campaign.Name, campaign.DiscountTier)
        {
            Collections = await _recommendations.CollectionsAsync(templates.Values.OfType<CompiledTemplate>().SelectMany(MergeFieldAnalyzer.FindCollections), ct),
        };
        var watcher = new CampaignStatusWatcher(_dbFactory, campaign.Id);
        var unsent = new System.Collections.Concurrent.ConcurrentBag<long>();

        // Each of the parallel sends renders its next message itself, so the connections never wait for a whole batch to be
        // rendered first: one message's rendering overlaps the others' time on the wire (decision 054).
        await Parallel.ForEachAsync(leased, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = ct },
            async (message, token) =>
            {
                if (!await watcher.IsSendingAsync(token))
                {
                    unsent.Add(message.Id);
                    return;
                }

                if (Prepare(message, recipients, overCap, templates, identity, clicks, campaignData, out var outcome) is not { } prepared)
                {
                    recorder.Add(outcome!);
                    return;
                }

                var step = Stopwatch.GetTimestamp();
                var (recipient, content, html, links) = prepared;
                var mime = _builder.Build(content.Subject, content.Text, html,
                    new MessageEnvelope(sender, recipient.Email, MessageEnvelope.NameOf(recipient), campaign.Id, message.Id, links.UnsubscribeUrl));
                if (references is not null)
                {
                    // The provider webhooks name the message by this signed reference (docs/decisions/049-provider-webhooks.md).
                    Messaging.Bounces.Providers.ProviderHeaders.Stamp(mime, references.For(message.Delivery), providers);
                }

                SendStages.Time(SendStages.Mime, step);
                step = Stopwatch.GetTimestamp();
                await recorder.ReserveAsync(token);
                SendStages.Time(SendStages.Window, step);
                step = Stopwatch.GetTimestamp();
                // Cancelled (stopping) mid-send: whether it went out is unknown; the row stays leased, its lease runs out and it is
                // sent again. That is the in-flight window of docs/decisions/032-send-pipeline.md.
                // Each message's own return address (VERP), so its bounce names it.
                var returnPath = returnAddresses?.For(message.Delivery);
                var result = await _pipeline.ExecuteAsync(static async (state, t) => await state._transport.SendAsync(state.mime, state.returnPath, t),
                    (_transport, mime, returnPath), token);
                SendStages.Time(SendStages.Transport, step);
                recorder.Complete(Outcome(message, result, mime.MessageId));
            });

        SendStages.Time(SendStages.SendPhase, started);
        var sendPhaseEnded = Stopwatch.GetTimestamp();
        if (!unsent.IsEmpty)
        {
            await using var db = await _dbFactory.CreateDbContextAsync(CancellationToken.None);
            await MessageLedger.ReleaseAsync(db, WorkerId, unsent.ToList(), CancellationToken.None);
            if (await db.Campaigns.Where(c => c.Id == campaign.Id).Select(c => c.Status).FirstAsync(CancellationToken.None) == CampaignStatus.Cancelled)
            {
                await CampaignCommands.CancelQueuedAsync(db, campaign.Id, CancellationToken.None);
            }
        }

        _log.LogDebug("Campaign {CampaignId}: batch of {Count} done at {Now}", campaign.Id, leased.Count, now);
        return sendPhaseEnded;
    }

    /// <summary>
    /// The merge data of a leased batch's mailable customers: the consent re-check. Those whose data was read while the batch
    /// before sent (<see cref="PreloadNext"/>) are taken from there, the others read now.
    /// </summary>
    private async Task<Dictionary<long, RecipientData>> RecipientsAsync(AppDbContext db, int campaignId, List<long> customerIds, CancellationToken ct)
    {
        var preloaded = Interlocked.Exchange(ref _next, null) is { } next ? await next : null;
        if (preloaded is null || preloaded.CampaignId != campaignId || _clock.GetElapsedTime(preloaded.ReadAt) > MaxPreloadAge)
        {
            return await RecipientLoader.LoadAsync(db, customerIds, onlyMailable: true, _recommendations, ct);
        }

        var recipients = await RecipientLoader.LoadAsync(db, customerIds.Where(id => !preloaded.Read.Contains(id)).ToList(), onlyMailable: true, _recommendations, ct);
        foreach (var id in customerIds)
        {
            if (preloaded.Recipients.TryGetValue(id, out var recipient))
            {
                recipients[id] = recipient;
            }
        }

        return recipients;
    }

    /// <summary>
    /// Reads the merge data of the customers the campaign's next lease will most likely take, while this batch sends, so the
    /// next call does not wait for it (decision 054, session 13). Nothing is leased: the ledger looks exactly as before between
    /// calls. The consent re-check of those customers is then at most one batch (and <see cref="MaxPreloadAge"/>) older than
    /// their send; a customer the lease takes that was not read here is read at the lease, as before.
    /// </summary>
    private void PreloadNext(int campaignId, CancellationToken ct)
    {
        var readAt = _clock.GetTimestamp();
        var next = Task.Run(async () =>
        {
            try
            {
                await using var db = await _dbFactory.CreateDbContextAsync(ct);
                var customerIds = await MessageLedger.PeekDueCustomersAsync(db, campaignId, BatchSize(), _clock.GetUtcNow().UtcDateTime, ct);
                var recipients = await RecipientLoader.LoadAsync(db, customerIds, onlyMailable: true, _recommendations, ct);
                return new Preloaded(campaignId, readAt, customerIds.ToHashSet(), recipients);
            }
            catch (Exception ex)
            {
                // Only a head start: the next batch reads its recipients at its lease instead.
                _log.LogDebug(ex, "Reading the next batch's recipients of campaign {CampaignId} ahead failed", campaignId);
                return null;
            }
        }, CancellationToken.None);
        Volatile.Write(ref _next, next);
    }

    /// <param name="Read">The customers whose consent was checked (the mailable ones are in <paramref name="Recipients"/>).</param>
    private sealed record Preloaded(int CampaignId, long ReadAt, HashSet<long> Read, Dictionary<long, RecipientData> Recipients);

    /// <summary>
    /// Renders one leased message with its live links, or says why it goes out not at all (consent gone, over the frequency
    /// cap, no template, render error): then <paramref name="outcome"/> is its final result.
    /// </summary>
    private (RecipientData Recipient, RenderedMessage Content, byte[] HtmlUtf8, MessageLinks Links)? Prepare(LeasedMessage message, Dictionary<long, RecipientData> recipients,
        Dictionary<long, string> overCap, Dictionary<int, CompiledTemplate?> templates, Data.Settings.SenderIdentity identity, ClickTokens clicks,
        CampaignData campaignData, out MessageOutcome? outcome)
    {
        outcome = null;
        if (!recipients.TryGetValue(message.CustomerId, out var recipient))
        {
            outcome = new MessageOutcome(message.Id, MessageStatus.Suppressed, Error: SuppressedAtSend);
            return null;
        }

        if (overCap.TryGetValue(message.CustomerId, out var cap))
        {
            outcome = new MessageOutcome(message.Id, MessageStatus.Suppressed, Error: cap);
            return null;
        }

        var template = templates.GetValueOrDefault(message.VariantId ?? 0);
        if (template is null || !identity.IsReadyToSend)
        {
            outcome = new MessageOutcome(message.Id, MessageStatus.Failed,
                Error: template is null ? "The campaign has no valid template for this variant." : "No sender address or postal address is set.");
            return null;
        }

        // The only place a customer's working links are minted: from the lease on the message that goes to them.
        var started = Stopwatch.GetTimestamp();
        var links = _tokens.LinksFor(message.Delivery, identity.PublicBaseUrl, clicks);
        RenderedMessage content;
        try
        {
            content = _renderer.Render(template, recipient, campaignData, new MessageFooter(links.UnsubscribeUrl, identity.PostalAddress));
        }
        catch (TemplateRenderException ex)
        {
            outcome = new MessageOutcome(message.Id, MessageStatus.Failed, Error: ex.Message);
            return null;
        }

        SendStages.Time(SendStages.Render, started);
        started = Stopwatch.GetTimestamp();
        // Written as UTF-8 straight from the rewrite's buffer: the HTML part's bytes, with no tracked HTML string in between.
        var html = LinkTracker.RewriteUtf8(content.Html, links);
        SendStages.Time(SendStages.Links, started);
        return (recipient, content, html, links);
    }

    private MessageOutcome Outcome(LeasedMessage message, SendResult result, string? messageId)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return result.Status switch
        {
            SendStatus.Sent => new MessageOutcome(message.Id, MessageStatus.Sent, SentAt: now, MessageIdHeader: messageId),
            SendStatus.PermanentFailure => new MessageOutcome(message.Id, MessageStatus.Failed, Error: result.ToString()),

            // Still failing after the in-process retries: try again later, a few times, then give up on this recipient.
            _ when message.Attempts < _options.MaxAttempts => new MessageOutcome(message.Id, MessageStatus.Queued, Error: result.ToString(),
                NextAttemptAt: now + (_options.RequeueDelay * message.Attempts)),
            _ => new MessageOutcome(message.Id, MessageStatus.Failed, Error: result.ToString()),
        };
    }

    /// <summary>Compiled templates keyed by variant id (0 for a campaign without an experiment).</summary>
    private async Task<Dictionary<int, CompiledTemplate?>> TemplatesAsync(AppDbContext db, Campaign campaign, IReadOnlyList<LeasedMessage> leased, CancellationToken ct)
    {
        var result = new Dictionary<int, CompiledTemplate?>();
        if (campaign.ExperimentId is null)
        {
            var template = await db.EmailTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == campaign.EmailTemplateId, ct);
            result[0] = template is null ? null : _renderer.Compile(TemplateSource.From(template)).Template;
            return result;
        }

        var variantIds = leased.Where(m => m.VariantId != null).Select(m => m.VariantId!.Value).Distinct().ToList();
        var rows = await db.Variants.AsNoTracking().Where(v => variantIds.Contains(v.Id))
            .Join(db.EmailTemplates.AsNoTracking(), v => v.EmailTemplateId, t => t.Id, (v, t) => new { v.Id, Template = t })
            .ToListAsync(ct);
        foreach (var row in rows)
        {
            result[row.Id] = _renderer.Compile(TemplateSource.From(row.Template)).Template;
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_limiter is not null)
        {
            await _limiter.DisposeAsync();
        }
    }

    /// <summary>Looks at the campaign's status at most once a second, so a pause or cancel stops a running batch quickly.</summary>
    private sealed class CampaignStatusWatcher(IDbContextFactory<AppDbContext> dbFactory, int campaignId)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private long _checkedAt = Environment.TickCount64;
        private volatile bool _sending = true;

        public async ValueTask<bool> IsSendingAsync(CancellationToken ct)
        {
            if (!_sending || Environment.TickCount64 - Interlocked.Read(ref _checkedAt) < 1_000 || !await _gate.WaitAsync(0, ct))
            {
                return _sending;
            }

            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                _sending = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => c.Status).FirstAsync(ct) == CampaignStatus.Sending;
                Interlocked.Exchange(ref _checkedAt, Environment.TickCount64);
                return _sending;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
