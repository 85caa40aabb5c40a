"""An index for an organization's children (`depth = d + 1 AND path LIKE 'prefix%'`), on PostgreSQL.

The tree page, the API's children, the dues report and the roll-up rebuilds ask for the children
of an organization. Without it PostgreSQL walks the whole subtree's path range and filters on
depth: for the province, all ~252,000 organizations (about 80 ms) to find 14 cities. With
`(depth, path varchar_pattern_ops)` the children are one short range of the index. SQLite
(the embedded default, small trees) skips it.
"""

from django.db import migrations

FORWARD = ["CREATE INDEX IF NOT EXISTS orgs_organization_children ON orgs_organization "
           "(depth, path varchar_pattern_ops)"]
BACKWARD = ["DROP INDEX IF EXISTS orgs_organization_children"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0002_committeeposition_one_active_secretary_per_organization"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
