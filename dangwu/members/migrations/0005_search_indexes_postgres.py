"""Indexes for member search at provincial scale, on PostgreSQL only (SQLite skips them).

Already there from the models (Django adds a varchar_pattern_ops twin to every indexed
CharField on PostgreSQL): prefix LIKE on name_pinyin and name_initials, the unique keyed
hash of ID numbers, and orgs_organization.path (the subtree prefix). Added here:

- pg_trgm and a GIN trigram index on members_member.name: `name LIKE '%王建华%'` for names of
  three characters or more;
- a GIN index on the name's single characters and pairs of characters
  (dangwu_name_grams(name)): trigrams cannot serve a search of one or two characters (张伟,
  the usual two-character name), this can (see members.selectors.search_members);
- covering prefix indexes on name_initials and name_pinyin that carry organization_id,
  user_id and id, so that the matches of a pinyin search within a scope are found from the
  index alone (only the members in scope are then read), and one on orgs_organization.path
  carrying id, so that a subtree's ids are read from the index alone.
"""

from django.db import migrations

GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION dangwu_name_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, char_length(value)) AS i, (VALUES (1), (2)) AS width(n)
    WHERE i + n - 1 <= char_length(value)
$$
"""

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS members_member_name_trgm ON members_member USING gin (name gin_trgm_ops)",
    GRAMS_FUNCTION,
    "CREATE INDEX IF NOT EXISTS members_member_name_grams ON members_member USING gin (dangwu_name_grams(name))",
    # Covering prefix indexes: the ids of the matches in a scope come from the index alone.
    "CREATE INDEX IF NOT EXISTS members_member_initials_scope ON members_member "
    "(name_initials varchar_pattern_ops) INCLUDE (organization_id, user_id, id)",
    "CREATE INDEX IF NOT EXISTS members_member_pinyin_scope ON members_member "
    "(name_pinyin varchar_pattern_ops) INCLUDE (organization_id, user_id, id)",
    # The ids of a subtree from the index alone (`organization_id IN (SELECT id … path LIKE 'p%')`).
    "CREATE INDEX IF NOT EXISTS orgs_organization_path_scope ON orgs_organization "
    "(path varchar_pattern_ops) INCLUDE (id)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS orgs_organization_path_scope",
    "DROP INDEX IF EXISTS members_member_pinyin_scope",
    "DROP INDEX IF EXISTS members_member_initials_scope",
    "DROP INDEX IF EXISTS members_member_name_grams",
    "DROP FUNCTION IF EXISTS dangwu_name_grams(text)",
    "DROP INDEX IF EXISTS members_member_name_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0004_roster_import"),
        ("orgs", "0002_committeeposition_one_active_secretary_per_organization"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
