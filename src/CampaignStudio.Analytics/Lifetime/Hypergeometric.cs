namespace CampaignStudio.Analytics.Lifetime;

/// <summary>The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z &lt; 1, summed as its power series.</summary>
public static class Hypergeometric
{
    private const int MaxTerms = 1_000_000;

    /// <summary>
    /// ₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ. The ratio of consecutive terms tends to z, so the series converges
    /// geometrically for z &lt; 1; it stops when a term no longer changes the sum in double precision.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">z outside [0, 1) or c a non-positive integer.</exception>
    /// <exception cref="ArithmeticException">The series did not settle within a million terms.</exception>
    public static double Gauss2F1(double a, double b, double c, double z)
    {
        if (z is < 0 or >= 1 || double.IsNaN(z))
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "The series is used for 0 ≤ z < 1 only.");
        }

        if (c <= 0 && c == Math.Floor(c))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "c must not be zero or a negative integer.");
        }

        double sum = 1, term = 1;
        for (var n = 0; n < MaxTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            var next = sum + term;

            // Settled: the term is below the sum's precision, and the ratio has passed its peak (terms can grow before they shrink).
            if (next == sum && Math.Abs((a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2)) * z) < 1)
            {
                return next;
            }

            sum = next;
            if (term == 0)
            {
                return sum;
            }
        }

        throw new ArithmeticException($"₂F₁({a}, {b}; {c}; {z}) did not converge in {MaxTerms} terms.");
    }

    /// <summary>
    /// ln ₂F₁(a, b; c; z) for a, b, c &gt; 0 and 0 ≤ z &lt; 1 (every term positive), summed with rescaling so values far
    /// beyond double range (heavy buyers, or a and b in the millions when dropout is the same for everyone) stay exact.
    /// </summary>
    public static double LogGauss2F1(double a, double b, double c, double z)
    {
        if (z is < 0 or >= 1 || double.IsNaN(z))
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "The series is used for 0 ≤ z < 1 only.");
        }

        if (!(a > 0 && b > 0 && c > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(c), "a, b and c must be positive.");
        }

        const double Big = 1e250;
        double sum = 1, term = 1, logScale = 0;
        for (var n = 0; n < MaxTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            var next = sum + term;
            if (next == sum && (a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2)) * z < 1)
            {
                return Math.Log(next) + logScale;
            }

            sum = next;
            if (sum > Big)
            {
                sum /= Big;
                term /= Big;
                logScale += Math.Log(Big);
            }
        }

        throw new ArithmeticException($"₂F₁({a}, {b}; {c}; {z}) did not converge in {MaxTerms} terms.");
    }
}
