-- The peer of the studio's customer import in `bench compare`: SQLite's own CLI on the same CSV into the same migrated
-- schema (9 B-trees on "Customers"). .import into a staging table, then one upsert in e-mail order with the studio's
-- columns and merge rules (COALESCE per mapped column, custom attributes merged with json_patch). Run twice: the first
-- run inserts, the second updates every row. The bench substitutes :now.
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -131072;
PRAGMA temp_store = MEMORY;
CREATE TEMP TABLE staging (email TEXT, first_name TEXT, last_name TEXT, country TEXT, city TEXT, birth_year TEXT, gender TEXT, loyalty_tier TEXT);
.import --csv --skip 1 :csv staging
BEGIN;
INSERT INTO "Customers" ("Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City", "BirthYear", "Gender",
    "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "IsErased")
SELECT lower(email), NULLIF(first_name, ''), NULLIF(last_name, ''), NULLIF(lower(first_name), ''), NULLIF(lower(last_name), ''),
    NULLIF(country, ''), NULLIF(city, ''), CAST(NULLIF(birth_year, '') AS INTEGER), NULLIF(gender, ''), ':now', ':now',
    CASE WHEN loyalty_tier = '' THEN NULL ELSE json_object('loyalty_tier', loyalty_tier) END, 'Unknown', 0
FROM staging WHERE true ORDER BY lower(email)
ON CONFLICT ("Email") DO UPDATE SET
    "FirstName" = COALESCE(excluded."FirstName", "Customers"."FirstName"), "FirstNameKey" = COALESCE(excluded."FirstNameKey", "Customers"."FirstNameKey"),
    "LastName" = COALESCE(excluded."LastName", "Customers"."LastName"), "LastNameKey" = COALESCE(excluded."LastNameKey", "Customers"."LastNameKey"),
    "Country" = COALESCE(excluded."Country", "Customers"."Country"), "City" = COALESCE(excluded."City", "Customers"."City"),
    "BirthYear" = COALESCE(excluded."BirthYear", "Customers"."BirthYear"), "Gender" = COALESCE(excluded."Gender", "Customers"."Gender"),
    "AttributesJson" = CASE WHEN excluded."AttributesJson" IS NULL THEN "Customers"."AttributesJson"
        ELSE json_patch(COALESCE("Customers"."AttributesJson", '{}'), excluded."AttributesJson") END,
    "UpdatedAt" = excluded."UpdatedAt";
COMMIT;
