"""An index for finding an organization by a part of its name (the pickers), on PostgreSQL.

`orgs.selectors.pick_organizations` asks for `name LIKE '%芙蓉区%'` among ~252,000
organizations. A b-tree cannot serve a LIKE that does not anchor at the start, and pg_trgm's
trigrams do not serve Chinese text of one or two characters (nor any CJK text in a C-locale
database). This is the GIN index the member names use: `dangwu_name_ngrams(name)`, the name's
characters, pairs and triples (members migration 0006 defines the function). A query of up to
three characters matches one element; a longer one all its triples (`@>`), and the LIKE
rechecks. SQLite (the embedded default, small trees) skips it.
"""

from django.db import migrations

FORWARD = ["CREATE INDEX IF NOT EXISTS orgs_organization_name_ngrams ON orgs_organization "
           "USING gin (dangwu_name_ngrams(name))"]
BACKWARD = ["DROP INDEX IF EXISTS orgs_organization_name_ngrams"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0003_children_index_postgres"),
        ("members", "0006_lean_indexes"),  # dangwu_name_ngrams()
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
