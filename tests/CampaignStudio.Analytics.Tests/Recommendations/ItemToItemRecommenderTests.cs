using CampaignStudio.Analytics.Recommendations;

namespace CampaignStudio.Analytics.Tests.Recommendations;

public class ItemToItemRecommenderTests
{
    [Fact]
    public void RecommendsWhatTheSameCustomersAlsoBought()
    {
        // Items 0-2 are bought together, 3-5 together; item 6 is popular with everyone.
        var customers = new List<int[]>();
        for (var i = 0; i < 20; i++)
        {
            customers.Add([0, 1, 2, 6]);
            customers.Add([3, 4, 5, 6]);
        }

        customers.Add([6]);
        var model = ItemToItemRecommender.Train(customers, 7);

        model.Recommend([0], 2).ShouldBe([1, 2]);
        model.Recommend([3, 4], 1).ShouldBe([5]);
        model.MostPopular([], 1).ShouldBe([6]);
    }

    [Fact]
    public void NewCustomersGetTheMostPopularItems()
    {
        var model = ItemToItemRecommender.Train([[0, 1], [1], [1, 2], [2]], 3);

        model.Recommend([], 2).ShouldBe([1, 2]);
    }

    [Fact]
    public void NeverRecommendsWhatTheCustomerOwnsAndFillsUpWithPopularItems()
    {
        var model = ItemToItemRecommender.Train([[0, 1], [0, 1], [2], [2], [2], [3]], 4);

        var list = model.Recommend([0], 3);

        list.ShouldNotContain(0);
        list.ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void ExcludedItemsAreNeverRecommendedAndTheListFillsUpFromTheNextCandidates()
    {
        // Item 1 goes with 0 (as item 4 does, less often); 1 is sold out. Popular: 2, then 3.
        var model = ItemToItemRecommender.Train([[0, 1], [0, 1], [0, 1], [0, 4], [0, 4], [2], [2], [2], [2], [3], [3], [3]], 5);
        bool[] soldOut = [false, true, false, false, false];

        model.Recommend([0], 3).ShouldBe([1, 4, 2]);
        model.Recommend([0], 3, soldOut).ShouldBe([4, 2, 3]);
        model.Recommend([], 2, [false, false, true, false, false]).ShouldBe([0, 1]);
    }

    [Fact]
    public void BeatsPopularityOnTasteClusteredPurchases()
    {
        // 2,000 customers, each with a taste for one of 10 groups of 20 items; a tenth of purchases are random.
        var rng = new Random(3);
        var purchases = new List<ItemPurchase>();
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var c = 0; c < 2000; c++)
        {
            var taste = rng.Next(10);
            for (var k = 0; k < 6; k++)
            {
                var item = rng.NextDouble() < 0.9 ? taste * 20 + rng.Next(20) : rng.Next(200);
                purchases.Add(new ItemPurchase(c, $"item {item}", start.AddDays(rng.Next(365))));
            }
        }

        var result = RecommenderEvaluation.TimeSplit(purchases, start.AddDays(240), [5, 10]);

        result.TestCustomers.ShouldBeGreaterThan(1000);
        result.HitRates.ShouldAllBe(h => h.ModelHitRate > 2 * h.PopularHitRate);
    }
}
