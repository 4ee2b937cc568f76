using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using CampaignStudio.Data;

namespace CampaignStudio.Training;

/// <summary>
/// A trained result per experiment as one JSON file beside the database (another instance or a restart reads the file),
/// with an in-memory cache so a page reload is instant. Uplift results and offer policies are kept the same way.
/// </summary>
public abstract class ResultFiles<TResult>(DatabaseOptions database, string folder)
    where TResult : class
{
    /// <summary>Web defaults, with NaN and infinities allowed: an estimate on a tiny group may be one.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly ConcurrentDictionary<int, TResult> _cache = new();

    private string Folder => Path.Combine(database.DataFolder, folder);

    public async Task<TResult?> GetAsync(int experimentId, CancellationToken ct = default)
    {
        if (_cache.TryGetValue(experimentId, out var cached))
        {
            return cached;
        }

        var path = PathOf(experimentId);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        var result = await JsonSerializer.DeserializeAsync<TResult>(stream, Json, ct);
        return result is null ? null : _cache.GetOrAdd(experimentId, result);
    }

    public async Task SaveAsync(TResult result, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Folder);
        var experimentId = ExperimentOf(result);
        var temp = PathOf(experimentId) + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, result, Json, ct);
        }

        // Replace atomically: a crash mid-write leaves the previous result readable.
        File.Move(temp, PathOf(experimentId), overwrite: true);
        _cache[experimentId] = result;
    }

    public void Forget(int experimentId)
    {
        _cache.TryRemove(experimentId, out _);
        File.Delete(PathOf(experimentId));
    }

    protected abstract int ExperimentOf(TResult result);

    private string PathOf(int experimentId) => Path.Combine(Folder, $"experiment-{experimentId}.json");
}
