using CampaignStudio.Domain.Identity;
using CampaignStudio.Messaging.Dns;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CampaignStudio.Web.Features.Settings;

/// <summary>DKIM signing and the sending domain's DNS over HTTP: the same service and Admin check as the Settings tab.</summary>
public static class SendingDomainApi
{
    public static RouteGroupBuilder MapSendingDomainApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings").RequireAuthorization(Policies.CanAdminister);
        settings.MapGet("/dkim", GetDkimAsync)
            .WithSummary("DKIM signing: whether mail is signed, the signing domain (d=) and selector (s=), the public key and the DNS records to publish " +
                "(DKIM, an SPF suggestion, a DMARC p=none starter; each value also cut into 255-character strings). Never the private key. Admin only.");
        settings.MapPut("/dkim", SaveDkimAsync)
            .WithSummary("Sets the signing domain and selector, {\"domain\":\"yourshop.com\",\"selector\":\"studio\"}. 400 with the reason when either is not a DNS name. Admin only.");
        settings.MapPost("/dkim/key", SetKeyAsync)
            .WithSummary("Sets the signing key: {\"generate\":true} makes a new 2048-bit RSA key pair, {\"privateKeyPem\":\"-----BEGIN PRIVATE KEY-----...\"} imports one " +
                "(PKCS#1 or PKCS#8, unencrypted, at least 1024 bits). The private key is stored encrypted and never returned; the answer carries the public key and " +
                "the records to publish. Every message is signed with it from now on. Admin only.");
        settings.MapGet("/dns-check", CheckDnsAsync)
            .WithSummary("Looks up the DKIM, SPF and DMARC records on the configured name server (Mail:NameServer, else the system's) and says in words what is " +
                "missing or misaligned: the DKIM record missing or holding another key, no SPF or SPF without the sending server, no DMARC, and whether the From " +
                "domain aligns with DKIM's d= and the Return-Path (relaxed: same organisational domain). Admin only.");
        return api;
    }

    public static async Task<Ok<DkimSettingsResponse>> GetDkimAsync(SendingDomainService service, CancellationToken ct) =>
        TypedResults.Ok(DkimSettingsResponse.From(await service.GetAsync(ct)));

    public static async Task<Results<Ok<DkimSettingsResponse>, ProblemHttpResult>> SaveDkimAsync(DkimSettingsRequest body, SendingDomainService service, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(DkimSettingsResponse.From(await service.SaveAsync(body.Domain, body.Selector, ct)));
        }
        catch (SendingDomainException ex)
        {
            return Problem(ex);
        }
    }

    public static async Task<Results<Ok<DkimSettingsResponse>, ProblemHttpResult>> SetKeyAsync(DkimKeyRequest body, SendingDomainService service, CancellationToken ct)
    {
        if ((body.Generate == true) == (body.PrivateKeyPem is { Length: > 0 }))
        {
            return Problem(new SendingDomainException(["Send either {\"generate\":true} or {\"privateKeyPem\":\"...\"}."]));
        }

        try
        {
            var view = body.Generate == true ? await service.GenerateKeyAsync(ct) : await service.ImportKeyAsync(body.PrivateKeyPem, ct);
            return TypedResults.Ok(DkimSettingsResponse.From(view));
        }
        catch (SendingDomainException ex)
        {
            return Problem(ex);
        }
    }

    public static async Task<Results<Ok<DnsCheckResponse>, ProblemHttpResult>> CheckDnsAsync(SendingDomainService service, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(DnsCheckResponse.From(await service.CheckAsync(ct)));
        }
        catch (SendingDomainException ex)
        {
            return Problem(ex);
        }
    }

    private static ProblemHttpResult Problem(SendingDomainException ex) =>
        TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["problems"] = ex.Problems });
}

public sealed record DkimSettingsRequest(string? Domain, string? Selector);

/// <summary>Either <see cref="Generate"/> or <see cref="PrivateKeyPem"/>.</summary>
public sealed record DkimKeyRequest(bool? Generate, string? PrivateKeyPem);

public sealed record DnsRecordResponse(string Purpose, string Type, string Name, string Value, IReadOnlyList<string> Strings, string Why);

public sealed record DkimSettingsResponse(bool Signing, string Domain, string Selector, string? PublicKey, DateTime? KeyCreatedAt, string FromDomain, string ReturnPathDomain,
    IReadOnlyList<DnsRecordResponse> Records)
{
    public static DkimSettingsResponse From(DkimView view) => new(view.Signing, view.Domain, view.Selector, view.PublicKey, view.KeyCreatedAt, view.FromDomain,
        view.ReturnPathDomain, view.Records.Select(r => new DnsRecordResponse(r.Purpose, r.Type, r.Name, r.Value, r.Strings, r.Why)).ToList());
}

/// <param name="Topic">dkim, spf, dmarc or alignment.</param>
/// <param name="Code">What was found, e.g. dkim-missing, spf-without-sending-host, dkim-not-aligned.</param>
public sealed record DnsFindingResponse(string Topic, string Code, bool Ok, string Text);

public sealed record DnsCheckResponse(bool AllGood, string NameServer, IReadOnlyList<DnsFindingResponse> Findings)
{
    public static DnsCheckResponse From(DnsCheckResult result) => new(result.AllGood, result.NameServer,
        result.Findings.Select(f => new DnsFindingResponse(f.Topic.ToString().ToLowerInvariant(), Kebab(f.Code.ToString()), f.IsOk, f.Text)).ToList());

    private static string Kebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
