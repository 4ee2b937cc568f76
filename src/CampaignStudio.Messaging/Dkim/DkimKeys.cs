using System.Security.Cryptography;

namespace CampaignStudio.Messaging.Dkim;

/// <summary>A key the studio cannot use, with the reason in words.</summary>
public sealed class DkimKeyException(string message) : Exception(message);

/// <summary>DKIM key pairs: made here, or brought as PEM; published as the <c>p=</c> of a TXT record.</summary>
public static class DkimKeys
{
    /// <summary>Big enough for every mailbox provider, small enough that the TXT record fits in a few strings.</summary>
    public const int GeneratedKeySize = 2048;

    /// <summary>Receivers ignore shorter RSA keys (RFC 8301).</summary>
    public const int MinimumKeySize = 1024;

    /// <summary>A new RSA key pair, as PKCS#8 PEM.</summary>
    public static string GeneratePrivateKeyPem()
    {
        using var rsa = RSA.Create(GeneratedKeySize);
        return rsa.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Reads an imported private key (PKCS#1 <c>RSA PRIVATE KEY</c> or PKCS#8 <c>PRIVATE KEY</c>) and returns it as PKCS#8 PEM,
    /// so the studio stores one shape whatever tool made it.
    /// </summary>
    public static string NormalizePrivateKeyPem(string pem)
    {
        if (string.IsNullOrWhiteSpace(pem) || !pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new DkimKeyException("Paste the private key in PEM form: it starts with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----.");
        }

        if (pem.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new DkimKeyException("The key is protected by a password; export it without one (the studio protects it itself).");
        }

        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new DkimKeyException("This is not an RSA private key the studio can read. DKIM keys here are RSA keys in PEM form.");
        }

        if (rsa.KeySize < MinimumKeySize)
        {
            throw new DkimKeyException($"The key has {rsa.KeySize} bits; mailbox providers ignore DKIM keys under {MinimumKeySize} bits. Use {GeneratedKeySize}.");
        }

        return rsa.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>The public half in the form a DKIM record carries: base64 of the SubjectPublicKeyInfo.</summary>
    public static string PublicKeyOf(string privateKeyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The text of the DKIM TXT record for a public key.</summary>
    public static string RecordText(string publicKey) => $"v=DKIM1; k=rsa; p={publicKey}";

    /// <summary>The name the DKIM record lives at.</summary>
    public static string RecordName(string selector, string domain) => $"{selector}._domainkey.{domain}";
}
