"""Each member carries its organization's path (`org_path`), kept by the database, so that a
search within a city reads only the city's matches.

At 5 M members a common name matched across the whole province (heap and organization probe
for each) before the scope kept the city's: name and pinyin p95 above the goal
(docs/performance.md). Now:

- `org_path` is copied from the organization by triggers (PostgreSQL and SQLite): on every
  insert of a member and every update of its organization, and on every change of an
  organization's path. No code path (service, COPY import, bulk load, admin) can leave it stale;
  the search's scope filter reads it instead of joining the organizations.
- On PostgreSQL the name's GIN index holds each gram twice: as it is, and prefixed with the
  member's city (the first two steps of the path, `left(org_path, 8)`): a search within a city
  asks for the city's grams. The pinyin and initials indexes gain twins led by the city, for a
  city's matches in display order and an index-only count; the province-wide ones now carry
  `org_path` instead of `organization_id` (a scope filter inside the index).
"""

from django.db import migrations, models

CITY_PREFIX = 8  # Organization.steplen (4) × depth 2: the city (市州) of the path

PG_FORWARD = [
    # --- the copy of the path ---
    """
    CREATE OR REPLACE FUNCTION dangwu_member_org_path() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.org_path := coalesce((SELECT path FROM orgs_organization WHERE id = NEW.organization_id), '');
        RETURN NEW;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS members_member_org_path ON members_member",
    "CREATE TRIGGER members_member_org_path BEFORE INSERT OR UPDATE OF organization_id, org_path "
    "ON members_member FOR EACH ROW EXECUTE FUNCTION dangwu_member_org_path()",
    """
    CREATE OR REPLACE FUNCTION dangwu_org_path_to_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_member SET org_path = NEW.path WHERE organization_id = NEW.id AND org_path <> NEW.path;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS orgs_organization_path_to_members ON orgs_organization",
    "CREATE TRIGGER orgs_organization_path_to_members AFTER UPDATE OF path ON orgs_organization "
    "FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION dangwu_org_path_to_members()",
    "UPDATE members_member m SET org_path = o.path FROM orgs_organization o "
    "WHERE o.id = m.organization_id AND m.org_path <> o.path",
    # --- the indexes ---
    # PL/pgSQL: evaluated for every row the index takes (an import of 200,000), a loop costs
    # ~13 µs a name where the same in SQL around dangwu_name_ngrams cost ~125 µs (not inlined).
    f"""
    CREATE OR REPLACE FUNCTION dangwu_member_grams(name text, org_path text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        n int := char_length(name);
        grams text[] := '{{}}';
        gram text;
    BEGIN
        FOR i IN 1..n LOOP
            FOR width IN 1..3 LOOP
                EXIT WHEN i + width - 1 > n;
                gram := substr(name, i, width);
                IF NOT gram = ANY (grams) THEN
                    grams := grams || gram;
                END IF;
            END LOOP;
        END LOOP;
        IF char_length(org_path) >= {CITY_PREFIX} THEN
            grams := grams || array(SELECT left(org_path, {CITY_PREFIX}) || '|' || g FROM unnest(grams) AS g);
        END IF;
        RETURN grams;
    END
    $$
    """,
    # A search reads the whole pending list of a GIN index (its entries not yet merged): 4 MB by
    # default, ~5 ms a search at 5 M members after an import. 512 kB bounds that; an import merges
    # its own entries when it commits (members.services).
    "CREATE INDEX IF NOT EXISTS members_member_name_city ON members_member "
    "USING gin (dangwu_member_grams(name, org_path)) WITH (gin_pending_list_limit = 512)",
    "DROP INDEX IF EXISTS members_member_name_ngrams",
    "DROP INDEX IF EXISTS members_member_initials_c",
    "DROP INDEX IF EXISTS members_member_pinyin_c",
    'CREATE INDEX IF NOT EXISTS members_member_initials_c ON members_member '
    '(name_initials COLLATE "C", name_pinyin COLLATE "C", id) INCLUDE (org_path)',
    'CREATE INDEX IF NOT EXISTS members_member_pinyin_c ON members_member '
    '(name_pinyin COLLATE "C", id) INCLUDE (name_initials, org_path)',
    f'CREATE INDEX IF NOT EXISTS members_member_initials_city ON members_member '
    f'(left(org_path, {CITY_PREFIX}), name_initials COLLATE "C", name_pinyin COLLATE "C", id) INCLUDE (org_path)',
    f'CREATE INDEX IF NOT EXISTS members_member_pinyin_city ON members_member '
    f'(left(org_path, {CITY_PREFIX}), name_pinyin COLLATE "C", id) INCLUDE (name_initials, org_path)',
]

PG_BACKWARD = [
    "DROP INDEX IF EXISTS members_member_pinyin_city",
    "DROP INDEX IF EXISTS members_member_initials_city",
    "DROP INDEX IF EXISTS members_member_pinyin_c",
    "DROP INDEX IF EXISTS members_member_initials_c",
    'CREATE INDEX IF NOT EXISTS members_member_initials_c ON members_member '
    '(name_initials COLLATE "C", name_pinyin COLLATE "C", id) INCLUDE (organization_id, user_id)',
    'CREATE INDEX IF NOT EXISTS members_member_pinyin_c ON members_member '
    '(name_pinyin COLLATE "C", id) INCLUDE (name_initials, organization_id, user_id)',
    "CREATE INDEX IF NOT EXISTS members_member_name_ngrams ON members_member USING gin (dangwu_name_ngrams(name))",
    "DROP INDEX IF EXISTS members_member_name_city",
    "DROP FUNCTION IF EXISTS dangwu_member_grams(text, text)",
    "DROP TRIGGER IF EXISTS orgs_organization_path_to_members ON orgs_organization",
    "DROP FUNCTION IF EXISTS dangwu_org_path_to_members()",
    "DROP TRIGGER IF EXISTS members_member_org_path ON members_member",
    "DROP FUNCTION IF EXISTS dangwu_member_org_path()",
]

_SQLITE_PATH = "coalesce((SELECT path FROM orgs_organization WHERE id = NEW.organization_id), '')"
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS members_member_org_path_insert",
    "CREATE TRIGGER members_member_org_path_insert AFTER INSERT ON members_member BEGIN "
    f"UPDATE members_member SET org_path = {_SQLITE_PATH} WHERE id = NEW.id; END",
    "DROP TRIGGER IF EXISTS members_member_org_path_update",
    "CREATE TRIGGER members_member_org_path_update AFTER UPDATE OF organization_id, org_path ON members_member "
    f"WHEN NEW.org_path IS NOT {_SQLITE_PATH} BEGIN "
    f"UPDATE members_member SET org_path = {_SQLITE_PATH} WHERE id = NEW.id; END",
    "DROP TRIGGER IF EXISTS orgs_organization_path_to_members",
    "CREATE TRIGGER orgs_organization_path_to_members AFTER UPDATE OF path ON orgs_organization "
    "WHEN OLD.path IS NOT NEW.path BEGIN "
    "UPDATE members_member SET org_path = NEW.path WHERE organization_id = NEW.id; END",
    "UPDATE members_member SET org_path = coalesce((SELECT path FROM orgs_organization o "
    "WHERE o.id = members_member.organization_id), '')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS orgs_organization_path_to_members",
    "DROP TRIGGER IF EXISTS members_member_org_path_update",
    "DROP TRIGGER IF EXISTS members_member_org_path_insert",
]


def _run(pg, sqlite):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = pg if vendor == "postgresql" else sqlite if vendor == "sqlite" else None
        if statements is None:
            raise RuntimeError(f"members.0010: no trigger for the {vendor} database (PostgreSQL or SQLite)")
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0009_standing_disqualified'),
        ('orgs', '0003_children_index_postgres'),
    ]

    operations = [
        migrations.AddField(
            model_name='member',
            name='org_path',
            field=models.CharField(default='', editable=False, max_length=255,
                                   verbose_name='所在党组织路径'),
        ),
        migrations.RunPython(_run(PG_FORWARD, SQLITE_FORWARD), _run(PG_BACKWARD, SQLITE_BACKWARD), elidable=False),
    ]
