using CampaignStudio.Data.Privacy;
using CampaignStudio.Data.Settings;
using CampaignStudio.Data.Tests.Segments;
using CampaignStudio.Data.Tests.Support;
using CampaignStudio.Domain.Privacy;

namespace CampaignStudio.Data.Tests.Privacy;

/// <summary>
/// k and the export noise have their own home (<c>Privacy:</c>); a studio that saved them under <c>Predictive:</c>
/// before keeps its setting.
/// </summary>
public sealed class PrivacySettingsStoreTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private SqliteTestDatabase _db = null!;
    private PrivacySettingsStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync();
        _store = new PrivacySettingsStore(_db.Factory, new FixedClock(Now));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task AStudioWithoutSettingsHidesGroupsBelowTheDefaultAndAddsNoNoise()
    {
        (await _store.GetAsync()).ShouldBe(new PrivacySettings(SmallGroups.DefaultMinimum, null));
    }

    [Fact]
    public async Task AnExistingStudioKeepsTheKAndNoiseItSavedUnderPredictive()
    {
        await WriteAsync(new() { ["Predictive:MinGroupSize"] = "25", ["Predictive:NoiseEpsilon"] = "0.5", ["Predictive:AnnualDiscountRate"] = "0.1" });

        (await _store.GetAsync()).ShouldBe(new PrivacySettings(25, 0.5));
    }

    [Fact]
    public async Task SavedSettingsLiveUnderPrivacyAndWinOverTheFormerOnesEvenWhenTheyTurnNoiseOff()
    {
        await WriteAsync(new() { ["Predictive:MinGroupSize"] = "25", ["Predictive:NoiseEpsilon"] = "0.5" });

        await _store.SaveAsync(new PrivacySettings(40, null));

        (await _store.GetAsync()).ShouldBe(new PrivacySettings(40, null));
        await using var db = await _db.Factory.CreateDbContextAsync();
        db.Settings.Single(s => s.Key == PrivacySettingsStore.MinGroupSizeKey).Value.ShouldBe("40");
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(1001, null)]
    [InlineData(10, 0.0)]
    public async Task SettingsOutOfRangeAreRefusedWithTheReason(int k, double? epsilon)
    {
        var refused = await Should.ThrowAsync<ArgumentException>(() => _store.SaveAsync(new PrivacySettings(k, epsilon)));

        refused.Message.ShouldStartWith("k must be 2–1000 and ε positive.");
    }

    private async Task WriteAsync(Dictionary<string, string?> rows)
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        await SettingRows.WriteAsync(db, rows, Now);
    }
}
