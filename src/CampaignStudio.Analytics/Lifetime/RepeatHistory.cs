namespace CampaignStudio.Analytics.Lifetime;

/// <summary>
/// One customer's purchase history in the form the lifetime models read ("frequency, recency, age"): times are in one
/// unit of the caller's choice (days in the studio, weeks in the published CDNOW analyses), counted from the first purchase.
/// </summary>
/// <param name="Frequency">Repeat purchases: purchases after the first (x).</param>
/// <param name="Recency">Time of the last repeat purchase since the first purchase (t_x); 0 without repeats.</param>
/// <param name="Age">Time from the first purchase to the end of observation (T); at least <paramref name="Recency"/>.</param>
/// <param name="AverageSpend">Average amount of the repeat purchases (m_x); 0 without repeats. Only the spend model reads it.</param>
public readonly record struct RepeatHistory(int Frequency, double Recency, double Age, double AverageSpend = 0);
