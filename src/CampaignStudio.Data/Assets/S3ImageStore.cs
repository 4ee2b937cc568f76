using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace CampaignStudio.Data.Assets;

/// <summary>
/// Library pictures as objects in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Wasabi, ...), under
/// <c>{Prefix}{sha256}.{ext}</c>. Every studio instance configured with the same bucket sees the same pictures, which is why a
/// studio on PostgreSQL with several instances wants it. Problems reaching the bucket are <see cref="ImageStoreException"/>s
/// that name the bucket and the server's reason; nothing falls back to the data folder.
/// </summary>
public sealed class S3ImageStore : IImageStore, IDisposable
{
    private readonly S3ImageOptions _options;
    private readonly AmazonS3Client _client;

    public S3ImageStore(S3ImageOptions options)
    {
        _options = options;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            AuthenticationRegion = options.Region,
            ForcePathStyle = options.PathStyle,

            // Checksums only where S3 requires them: several S3-compatible servers refuse the SDK's default trailing
            // checksums (aws-chunked bodies), and a picture's name is already the SHA-256 of its bytes.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,

            // An upload waits on this; a store that does not answer should say so in seconds, not minutes.
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public async Task<ImageAsset> SaveAsync(byte[] bytes, string extension, CancellationToken ct)
    {
        var name = ImageLibrary.NameOf(bytes, extension);
        if (await HeadAsync(name, ct) is { } existing)
        {
            return existing;
        }

        await CallAsync("store the picture", async () =>
        {
            using var content = new MemoryStream(bytes, writable: false);
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = _options.Prefix + name,
                InputStream = content,
                ContentType = ImageFormat.ContentType(name),

                // For a public base URL that serves the bucket directly: the same year-long caching the studio gives.
                Headers = { CacheControl = ImageLibrary.CacheControl },
                UseChunkEncoding = false,
            }, ct);
            return true;
        });
        return await HeadAsync(name, ct) ?? throw new ImageStoreException($"{Where} accepted the picture {name} but does not have it afterwards.");
    }

    public async Task<IReadOnlyList<ImageAsset>> ListAsync(CancellationToken ct)
    {
        var list = new List<ImageAsset>();
        string? next = null;
        do
        {
            var page = await CallAsync("list the pictures", () => _client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix, ContinuationToken = next }, ct));
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[_options.Prefix.Length..];
                if (ImageLibrary.IsLibraryName(name))
                {
                    list.Add(new ImageAsset(name, item.Size ?? 0, item.LastModified?.ToUniversalTime() ?? DateTime.MinValue));
                }
            }

            next = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (next is not null);

        return list.OrderByDescending(a => a.AddedAt).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<StoredImage?> OpenAsync(string name, CancellationToken ct)
    {
        if (!ImageLibrary.IsLibraryName(name))
        {
            return null;
        }

        try
        {
            var response = await _client.GetObjectAsync(_options.Bucket, _options.Prefix + name, ct);
            return new StoredImage(response.ResponseStream, response.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is "NoSuchKey" or "NotFound" or null)
        {
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw Failure("fetch the picture", e);
        }
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        // S3 deletes answer "done" for keys that never existed; the API promises a 404 for those.
        if (!ImageLibrary.IsLibraryName(name) || await HeadAsync(name, ct) is null)
        {
            return false;
        }

        await CallAsync("delete the picture", () => _client.DeleteObjectAsync(_options.Bucket, _options.Prefix + name, ct));
        return true;
    }

    public void Dispose() => _client.Dispose();

    private string Where => $"The image store (bucket \"{_options.Bucket}\" at {_options.ServiceUrl})";

    private async Task<ImageAsset?> HeadAsync(string name, CancellationToken ct)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(_options.Bucket, _options.Prefix + name, ct);
            return new ImageAsset(name, head.ContentLength, head.LastModified?.ToUniversalTime() ?? DateTime.MinValue);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // A HEAD has no body, so a missing bucket also looks like this; the PUT that follows names it.
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw Failure("look up the picture", e);
        }
    }

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw Failure(what, e);
        }
    }

    private ImageStoreException Failure(string what, Exception e)
    {
        var reason = e switch
        {
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } => "the bucket does not exist",
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" } => "it does not know the access key (Assets:S3:AccessKey)",
            AmazonS3Exception { ErrorCode: "SignatureDoesNotMatch" } => "the secret key does not match the access key (Assets:S3:SecretKey)",
            // A refused HEAD has no body to say why: name everything that can cause it.
            AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } s3 => $"access denied ({s3.ErrorCode ?? "403"}): check Assets:S3:AccessKey, Assets:S3:SecretKey and the bucket's policy",
            AmazonS3Exception s3 => $"{s3.ErrorCode ?? ((int)s3.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}: {s3.Message}",
            _ => $"it could not be reached: {e.GetBaseException().Message}",
        };
        return new ImageStoreException($"{Where} could not {what}: {reason}.", e);
    }
}
