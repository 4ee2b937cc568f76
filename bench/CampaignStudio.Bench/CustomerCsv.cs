using System.Globalization;
using System.Text;

namespace CampaignStudio.Bench;

/// <summary>
/// Writes a shop-like customers file: unique e-mails, names with umlauts and particles, weighted countries and cities,
/// a few gaps (no birth year, no gender) and one custom attribute column. Seeded, so every run imports the same bytes.
/// </summary>
public static class CustomerCsv
{
    public static readonly string[] Headers = ["email", "first_name", "last_name", "country", "city", "birth_year", "gender", "loyalty_tier"];

    public static async Task WriteAsync(string path, int rows, CancellationToken ct)
    {
        var rng = new Random(20_260_101);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.SequentialScan);
        await using var writer = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 20);
        await writer.WriteLineAsync(string.Join(',', Headers));
        var line = new StringBuilder(160);
        for (var i = 0; i < rows; i++)
        {
            if (i % 100_000 == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            var f = rng.Next(FirstNames.Length);
            var l = rng.Next(LastNames.Length);
            var (first, last) = (FirstNames[f], LastNames[l]);
            var (firstAscii, lastAscii) = (AsciiFirstNames[f], AsciiLastNames[l]);
            var (country, cities) = Pick(rng);
            var city = cities[rng.Next(cities.Length)];
            line.Clear();
            // The running number keeps e-mails unique; the shapes vary like real address books do.
            var local = (i % 3) switch
            {
                0 => $"{firstAscii}.{lastAscii}{i}",
                1 => $"{firstAscii[0]}{lastAscii}.{i}",
                _ => $"{lastAscii}_{firstAscii}{i}",
            };
            line.Append(local).Append('@').Append(Domains[rng.Next(Domains.Length)]).Append(',');
            line.Append(first).Append(',');
            Field(line, last).Append(',');
            line.Append(country).Append(',');
            Field(line, city).Append(',');
            if (rng.NextDouble() >= 0.08)
            {
                line.Append((1940 + rng.Next(68)).ToString(CultureInfo.InvariantCulture));
            }

            line.Append(',');
            var g = rng.NextDouble();
            line.Append(g < 0.48 ? "female" : g < 0.94 ? "male" : g < 0.97 ? "diverse" : "").Append(',');
            line.Append(Tiers[Math.Min(Tiers.Length - 1, (int)(-Math.Log(1 - rng.NextDouble()) * 0.9))]);
            await writer.WriteLineAsync(line, ct);
        }
    }

    /// <summary>Quotes a field the way spreadsheet exports do when it holds a comma or a quote.</summary>
    private static StringBuilder Field(StringBuilder line, string value) =>
        value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
            ? line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"')
            : line.Append(value);

    /// <summary>"Wiśniewski" → "wisniewski", "de Vries" → "devries": what a mail provider lets people pick.</summary>
    private static string Ascii(string name)
    {
        var spelled = name.ToLowerInvariant().Replace("ä", "ae", StringComparison.Ordinal).Replace("ö", "oe", StringComparison.Ordinal)
            .Replace("ü", "ue", StringComparison.Ordinal).Replace("ß", "ss", StringComparison.Ordinal).Normalize(NormalizationForm.FormD);
        return new string(spelled.Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9').ToArray());
    }

    private static (string Country, string[] Cities) Pick(Random rng)
    {
        var x = rng.NextDouble() * TotalWeight;
        foreach (var (country, cities, weight) in Countries)
        {
            x -= weight;
            if (x < 0)
            {
                return (country, cities);
            }
        }

        return (Countries[^1].Country, Countries[^1].Cities);
    }

    private static readonly string[] Tiers = ["bronze", "silver", "gold", "platinum"];

    private static readonly string[] Domains =
        ["gmail.example", "web.example", "gmx.example", "outlook.example", "yahoo.example", "icloud.example", "t-online.example", "posteo.example", "company.example", "mail.example"];

    private static readonly string[] FirstNames =
    [
        "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Julia", "Karl", "Lea", "Lukas", "Maria", "Max", "Mia",
        "Noah", "Olivia", "Paul", "Sophie", "Tom", "Laura", "Elias", "Lena", "Finn", "Sara", "Leon", "Marie", "Jan", "Nina", "Oskar", "Ida",
        "Emil", "Frieda", "Henry", "Amelie", "Liam", "Ella", "Theo", "Zoe", "Matteo", "Giulia", "Luca", "Chiara", "Lucas", "Camille", "Hugo",
        "Léa", "Chloé", "Louis", "Jules", "Inès", "Sven", "Ingrid", "Lars", "Astrid", "Björn", "Freya", "Oliver", "Amelia", "George", "Isla",
        "Harry", "Ava", "Jack", "Grace", "Daan", "Sem", "Fenna", "Tess", "Mateo", "Lucía", "Pablo", "Carmen", "Jakub", "Zuzana", "Tomasz",
        "Agnieszka", "Mehmet", "Ayşe", "Can", "Elif", "Yusuf", "Zeynep", "Ali", "Fatima", "Omar", "Layla", "Nikolai", "Tatiana", "Dmitri",
        "Elena", "Jürgen", "Uwe", "Sabine", "Petra", "Klaus", "Monika",
    ];

    private static readonly string[] LastNames =
    [
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein",
        "Wolf", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Schmitz", "Krause", "Meier", "Lehmann",
        "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz",
        "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck",
        "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer",
        "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Dietrich", "Ziegler",
        "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Gruber",
        "Bauer", "Pichler", "Moser", "Steiner", "Hofer", "Leitner", "Frei", "Brunner", "Gerber", "Bühler", "Jansen", "de Vries", "van Dijk",
        "Bakker", "Visser", "Smit", "de Jong", "van den Berg", "Dubois", "Bernard", "Durand", "Lefèvre", "Moreau", "Laurent", "Girard",
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "O'Brien", "Rossi", "Russo", "Ferrari",
        "Esposito", "Bianchi", "García", "Fernández", "López", "Martínez", "Nowak", "Kowalski", "Wiśniewski", "Yılmaz", "Kaya", "Demir",
        "Şahin", "Andersson", "Johansson", "Nielsen", "Hansen", "Larsen",
    ];

    private static readonly (string Country, string[] Cities, double Weight)[] Countries =
    [
        ("Germany", ["Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Leipzig", "Dortmund", "Essen", "Bremen", "Dresden", "Hanover", "Nuremberg", "Freiburg im Breisgau"], 0.40),
        ("Austria", ["Vienna", "Graz", "Linz", "Salzburg", "Innsbruck", "Klagenfurt"], 0.12),
        ("Switzerland", ["Zurich", "Geneva", "Basel", "Bern", "Lausanne", "Lucerne"], 0.09),
        ("Netherlands", ["Amsterdam", "Rotterdam", "The Hague", "Utrecht", "Eindhoven"], 0.09),
        ("France", ["Paris", "Lyon", "Marseille", "Toulouse", "Strasbourg", "Saint-Étienne"], 0.09),
        ("United Kingdom", ["London", "Manchester", "Birmingham", "Bristol", "Edinburgh", "Glasgow"], 0.11),
        ("Italy", ["Rome", "Milan", "Naples", "Turin", "Bologna"], 0.05),
        ("Spain", ["Madrid", "Barcelona", "Valencia", "Seville"], 0.03),
        ("United States", ["New York", "Chicago", "Washington, D.C.", "San Francisco"], 0.02),
    ];

    private static readonly string[] AsciiFirstNames = FirstNames.Select(Ascii).ToArray();

    private static readonly string[] AsciiLastNames = LastNames.Select(Ascii).ToArray();

    private static readonly double TotalWeight = Countries.Sum(c => c.Weight);
}
