# Replays the studio's SQL for a customer import through SQLite's CLI, batch by batch, with `.timer on` per statement, so
# the SQLite side of each stage (staging, cap check, merge, commit) can be read apart (decision 062, Session 13).
# The staging rows come from SQL here, not from the studio's bound values.
#   python3 bench/peers/import_replay.py session12|session13|onetx|staged|staged-sorted <batches> <rows a batch> <customers.csv> > replay.sql
#   cp <freshly migrated empty db> r.db && sqlite3 r.db < replay.sql > replay.out   (run twice: first import, re-import)
#   python3 bench/peers/import_replay.py --sum replay.out begin,delete,stage,check,merge,changes,commit   (session13: no check)
# session12: the cap check as a join before the merge, "Email" in the upsert's SET. session13: the cap in the upsert's WHERE,
# the key column left out of SET. onetx: session13's statements with one transaction around all batches (diagnosis).
# staged (session 15): every batch appended to a staging table in the database and committed, then an index on
# ("Email", "Seq"), then the merge in e-mail order in chunks of <rows a batch> by e-mail range, each chunk committed;
# sum with begin,stage,commit per batch, then index,bounds, then begin,merge,changes,commit per chunk.
# staged-sorted: the same staging, then one sorted copy in memory (CREATE TEMP TABLE … ORDER BY "Email", "Seq") and the
# merge in chunks of <rows a batch> of that copy (read in order, no look-up from an index into the staging table).
import re
import sys

if sys.argv[1] == '--sum':
    names = sys.argv[3].split(',')
    totals = {}
    lines = [l for l in open(sys.argv[2]) if l.startswith('Run Time')]
    for i, line in enumerate(lines):
        real, user, system = map(float, re.search(r'real ([\d.]+) user ([\d.]+) sys ([\d.]+)', line).groups())
        t = totals.setdefault(names[i % len(names)], [0.0, 0.0])
        t[0] += real
        t[1] += user + system
    for name, (real, cpu) in totals.items():
        print(f"{name:10s} real {real:6.2f} s  CPU {cpu:6.2f} s")
    print(f"total CPU {sum(c for _, c in totals.values()):.2f} s")
    sys.exit(0)

mode = sys.argv[1]
batches = int(sys.argv[2]); size = int(sys.argv[3]); csv = sys.argv[4]
cols = '"ExternalId","Email","FirstName","LastName","FirstNameKey","LastNameKey","Country","City","BirthYear","AgeBand","Gender","CreatedAt","UpdatedAt","AttributesJson","EmailConsent","IsErased"'
staged_cols = '"ExternalId","Email","FirstName","LastName","FirstNameKey","LastNameKey","Country","City","BirthYear","AgeBand","Gender","CreatedAt","AttributesJson","UpdatedAt","EmailConsent","IsErased"'
setkey = '"Email" = COALESCE(excluded."Email", "Customers"."Email"), ' if mode == 'session12' else ''
capw = '' if mode == 'session12' else 'WHERE excluded."AttributesJson" IS NULL OR length("Customers"."AttributesJson") < 251 OR (SELECT COUNT(*) FROM json_each(json_patch(COALESCE("Customers"."AttributesJson", \'{}\'), excluded."AttributesJson"))) <= 50'


def stage(table, lo, hi, order):
    """The rows of lines lo..hi as the studio stages them."""
    return f"""INSERT INTO {table} ({staged_cols})
SELECT NULL, lower(email), NULLIF(first_name,''), NULLIF(last_name,''), NULLIF(lower(first_name),''), NULLIF(lower(last_name),''), NULLIF(country,''), NULLIF(city,''), CAST(NULLIF(birth_year,'') AS INTEGER), NULL, NULLIF(gender,''), '2026-12-04 10:00:00', CASE WHEN loyalty_tier='' THEN NULL ELSE json_object('loyalty_tier', loyalty_tier) END, '2026-12-04 10:00:00', 'Unknown', 0
FROM allrows WHERE rowid BETWEEN {lo} AND {hi}{order};"""


def upsert(source):
    """The studio's staged upsert from `source` (a FROM … ORDER BY clause)."""
    return f"""INSERT INTO "Customers" ({cols})
SELECT {cols} FROM {source}
ON CONFLICT ("Email") DO UPDATE SET {setkey}"FirstName" = COALESCE(excluded."FirstName", "Customers"."FirstName"), "FirstNameKey" = COALESCE(excluded."FirstNameKey", "Customers"."FirstNameKey"), "LastName" = COALESCE(excluded."LastName", "Customers"."LastName"), "LastNameKey" = COALESCE(excluded."LastNameKey", "Customers"."LastNameKey"), "Country" = COALESCE(excluded."Country", "Customers"."Country"), "City" = COALESCE(excluded."City", "Customers"."City"), "BirthYear" = COALESCE(excluded."BirthYear", "Customers"."BirthYear"), "Gender" = COALESCE(excluded."Gender", "Customers"."Gender"), "AttributesJson" = CASE WHEN excluded."AttributesJson" IS NULL THEN "Customers"."AttributesJson" ELSE json_patch(COALESCE("Customers"."AttributesJson", '{{}}'), excluded."AttributesJson") END, "UpdatedAt" = excluded."UpdatedAt"
{capw};"""


print("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;")
print("CREATE TEMP TABLE allrows (email TEXT, first_name TEXT, last_name TEXT, country TEXT, city TEXT, birth_year TEXT, gender TEXT, loyalty_tier TEXT);")
print(f".import --csv --skip 1 {csv} allrows")
print('CREATE TEMP TABLE s ("Seq" INTEGER PRIMARY KEY, "ExternalId", "Email", "FirstName", "LastName", "FirstNameKey", "LastNameKey", "Country", "City", "BirthYear", "AgeBand", "Gender", "CreatedAt", "UpdatedAt", "AttributesJson", "EmailConsent", "IsErased");')
if mode in ('staged', 'staged-sorted'):
    print(f'CREATE TABLE "ImportStaging" ("Seq" INTEGER PRIMARY KEY, {cols});')
    print(".timer on")
    for b in range(batches):
        print("BEGIN;")
        print(stage('"ImportStaging"', b*size+1, (b+1)*size, ''))
        print("COMMIT;")
if mode == 'staged-sorted':
    print(f'CREATE TEMP TABLE sorted AS SELECT {cols} FROM "ImportStaging" ORDER BY "Email", "Seq";')
    for b in range(batches):
        print("BEGIN;")
        print(upsert(f'temp.sorted WHERE rowid BETWEEN {b*size+1} AND {(b+1)*size} ORDER BY rowid'))
        print("SELECT changes();")
        print("COMMIT;")
    print(".timer off")
    print('DROP TABLE "ImportStaging";')
    sys.exit(0)
    print('CREATE INDEX "IX_ImportStaging_Email" ON "ImportStaging" ("Email", "Seq");')
    print(f'CREATE TEMP TABLE bounds AS SELECT row_number() OVER (ORDER BY "Email") AS k, "Email" FROM (SELECT "Email", row_number() OVER (ORDER BY "Email", "Seq") AS rn FROM "ImportStaging") WHERE rn % {size} = 0;')
    for b in range(batches):
        lo = f'"Email" > (SELECT "Email" FROM temp.bounds WHERE k = {b})' if b > 0 else 'true'
        hi = f' AND "Email" <= (SELECT "Email" FROM temp.bounds WHERE k = {b+1})' if b < batches - 1 else ''
        print("BEGIN;")
        print(upsert(f'"ImportStaging" WHERE {lo}{hi} ORDER BY "Email", "Seq"'))
        print("SELECT changes();")
        print("COMMIT;")
    print(".timer off")
    print('DROP TABLE "ImportStaging";')
    sys.exit(0)

print(".timer on")
if mode == 'onetx':
    print("BEGIN;")
for b in range(batches):
    print(f"-- batch {b}")
    print("SAVEPOINT b;" if mode == 'onetx' else "BEGIN;")
    print("DELETE FROM temp.s;")
    print(stage('temp.s', b*size+1, (b+1)*size, ' ORDER BY lower(email)'))
    if mode == 'session12':
        print("""SELECT 1 FROM temp.s s JOIN "Customers" c ON c."Email" = s."Email" WHERE c."AttributesJson" IS NOT NULL AND (SELECT COUNT(*) FROM json_each(json_patch(c."AttributesJson", '{"loyalty_tier":""}'))) > 50 LIMIT 1;""")
    print(upsert('temp.s WHERE true ORDER BY "Seq"'))
    print("SELECT changes();")
    print("RELEASE b;" if mode == 'onetx' else "COMMIT;")
if mode == 'onetx':
    print("COMMIT;")
