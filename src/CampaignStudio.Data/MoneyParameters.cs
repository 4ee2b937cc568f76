using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CampaignStudio.Data;

/// <summary>
/// Money in raw SQL (bulk inserts, prepared updates): the one place where the providers differ for it (decision 001).
/// EF Core maps decimal to REAL on SQLite and to numeric on PostgreSQL; SQL written by hand must send the same.
/// </summary>
public readonly record struct MoneyParameters(bool AsDouble)
{
    public static MoneyParameters For(DatabaseFacade database) => new(database.IsSqlite());

    /// <summary>The parameter type of a money column.</summary>
    public DbType Type => AsDouble ? DbType.Double : DbType.Decimal;

    public object Value(decimal amount) => AsDouble ? (double)amount : amount;

    public object Value(double amount) => AsDouble ? amount : (decimal)amount;
}
