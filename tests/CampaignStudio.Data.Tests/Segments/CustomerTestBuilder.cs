using CampaignStudio.Domain.Consent;
using CampaignStudio.Domain.Customers;

namespace CampaignStudio.Data.Tests.Segments;

/// <summary>Builds a customer with purchases and events for segment tests; times are relative to <see cref="FixedClock.Now"/>.</summary>
internal sealed class CustomerTestBuilder
{
    private readonly Customer _customer;

    private CustomerTestBuilder(string? firstName, string? lastName)
    {
        _customer = new Customer { CreatedAt = FixedClock.Now.AddYears(-1), UpdatedAt = FixedClock.Now };
        _customer.SetName(firstName, lastName);
    }

    public static CustomerTestBuilder Named(string? firstName, string? lastName = null) => new(firstName, lastName);

    public CustomerTestBuilder WithEmail(string? email)
    {
        _customer.SetEmail(email);
        return this;
    }

    public CustomerTestBuilder From(string? country, string? city = null)
    {
        _customer.Country = country;
        _customer.City = city;
        return this;
    }

    public CustomerTestBuilder WithGender(string? gender)
    {
        _customer.Gender = gender;
        return this;
    }

    public CustomerTestBuilder BornIn(int? year)
    {
        _customer.BirthYear = year;
        return this;
    }

    public CustomerTestBuilder CreatedOn(DateTime at)
    {
        _customer.CreatedAt = at;
        return this;
    }

    public CustomerTestBuilder WithAttribute(string key, string value)
    {
        _customer.Attributes[key] = value;
        return this;
    }

    public CustomerTestBuilder WithConsent(ConsentStatus status)
    {
        _customer.EmailConsent = status;
        return this;
    }

    public CustomerTestBuilder Bought(decimal amount, string? category, int daysAgo) => Bought(amount, category, FixedClock.Now.AddDays(-daysAgo));

    public CustomerTestBuilder Bought(decimal amount, string? category, DateTime at)
    {
        _customer.Purchases.Add(new Purchase { Amount = amount, Category = category, PurchasedAt = at, SourceKey = Key() });
        return this;
    }

    public CustomerTestBuilder Did(string type, int daysAgo, int times = 1) => Did(type, FixedClock.Now.AddDays(-daysAgo), times);

    public CustomerTestBuilder Did(string type, DateTime at, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _customer.Events.Add(new CustomerEvent { Type = type, OccurredAt = at.AddMinutes(-i), SourceKey = Key() });
        }

        return this;
    }

    public Customer Build() => _customer;

    private static string Key() => Guid.NewGuid().ToString("N");
}

/// <summary>A clock stopped at one moment, so "within the last N days" has a fixed answer.</summary>
internal sealed class FixedClock(DateTime now) : TimeProvider
{
    public static readonly DateTime Now = new(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);

    public FixedClock()
        : this(Now)
    {
    }

    public override DateTimeOffset GetUtcNow() => new(now);
}
