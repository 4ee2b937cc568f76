using CampaignStudio.Data.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace CampaignStudio.Data.Tests;

/// <summary>How the studio opens its PostgreSQL connections (decision 033).</summary>
public sealed class PostgresConnectionTests
{
    [Fact]
    public async Task StudioConnectionsRunWithJitOff()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var db = await database.Factory.CreateDbContextAsync();

        var jit = await db.Database.SqlQueryRaw<string>("SELECT current_setting('jit') AS \"Value\"").SingleAsync();

        jit.ShouldBe("off");
    }

    [Fact]
    public void AConnectionStringThatSetsJitKeepsItsChoice()
    {
        DependencyInjection.WithoutJit("Host=db;Database=studio;Options=-c jit=on").ShouldBe("Host=db;Database=studio;Options=-c jit=on");
        DependencyInjection.WithoutJit("Host=db;Options=-c statement_timeout=5000").ShouldContain("-c statement_timeout=5000 -c jit=off");
    }
}
