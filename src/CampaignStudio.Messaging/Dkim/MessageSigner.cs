using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace CampaignStudio.Messaging.Dkim;

/// <summary>
/// Signs finished messages with DKIM (rsa-sha256, relaxed/relaxed) for one signing domain and selector. Thread-safe: the
/// send worker signs from several connections at once.
/// </summary>
public sealed class MessageSigner : IDisposable
{
    /// <summary>
    /// The headers the signature covers: who and what (From, To, Subject, Date, Message-ID), the one-click unsubscribe a
    /// mailbox provider acts on, and the MIME headers that say how to read the body.
    /// </summary>
    public static readonly IReadOnlyList<string> SignedHeaders =
    [
        "From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type",
    ];

    private readonly NativeRsaDkimSigner _signer;
    private readonly string[] _headers = [.. SignedHeaders];

    public MessageSigner(string domain, string selector, string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        Domain = domain;
        Selector = selector;
        _signer = new NativeRsaDkimSigner(privateKeyPem, domain, selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    public string Domain { get; }

    public string Selector { get; }

    /// <summary>
    /// Signs the message as it will be sent. The body is first fixed to 7-bit, so no transport re-encodes it after signing
    /// (that would break the body hash); a signature from an earlier attempt is replaced, not stacked.
    /// </summary>
    public void Sign(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Headers.RemoveAll(HeaderId.DkimSignature);
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, _headers);
    }

    public void Dispose() => _signer.Dispose();

    /// <summary>
    /// MimeKit's signer does the RSA step in BouncyCastle's managed code; the platform's RSA (OpenSSL) is several times faster,
    /// and on a busy send worker that step is most of what signing costs. Canonicalization and hashing stay MimeKit's.
    /// </summary>
    private sealed class NativeRsaDkimSigner : DkimSigner, IDisposable
    {
        private readonly byte[] _pkcs8;
        private readonly ThreadLocal<RSA> _rsa;

        public NativeRsaDkimSigner(string privateKeyPem, string domain, string selector)
            : this(Pkcs8Of(privateKeyPem), domain, selector)
        {
        }

        private NativeRsaDkimSigner(byte[] pkcs8, string domain, string selector)
            : base(PrivateKeyFactory.CreateKey(pkcs8), domain, selector, DkimSignatureAlgorithm.RsaSha256)
        {
            _pkcs8 = pkcs8;

            // One RSA object per thread: the platform does not promise that one instance signs safely from several threads.
            _rsa = new ThreadLocal<RSA>(CreateRsa, trackAllValues: true);
        }

        protected override ISigner CreateSigningContext() => new Rs256Context(_rsa.Value!);

        public void Dispose()
        {
            foreach (var rsa in _rsa.Values)
            {
                rsa.Dispose();
            }

            _rsa.Dispose();
        }

        private RSA CreateRsa()
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(_pkcs8, out _);
            return rsa;
        }

        private static byte[] Pkcs8Of(string pem)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa.ExportPkcs8PrivateKey();
        }
    }

    /// <summary>SHA-256 over what MimeKit feeds in, then a PKCS#1 v1.5 signature with the platform's RSA.</summary>
    private sealed class Rs256Context(RSA rsa) : ISigner
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string AlgorithmName => "SHA-256withRSA";

        public void Init(bool forSigning, ICipherParameters parameters)
        {
        }

        public void Update(byte input) => _hash.AppendData([input]);

        public void BlockUpdate(byte[] input, int inOff, int inLen) => _hash.AppendData(input, inOff, inLen);

        public void BlockUpdate(ReadOnlySpan<byte> input) => _hash.AppendData(input);

        public int GetMaxSignatureSize() => rsa.KeySize / 8;

        public byte[] GenerateSignature() => rsa.SignHash(_hash.GetHashAndReset(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        public bool VerifySignature(byte[] signature) => throw new NotSupportedException("This context only signs.");

        public void Reset() => _hash.GetHashAndReset();
    }
}
