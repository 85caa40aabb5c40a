"""Fewer, better indexes on the member table (every index costs each write of an import).

The model loses the indexes another one already serves (the varchar_pattern_ops twins that
db_index=True adds to a CharField, the plain organization_id index beside the
(organization_id, member_type) one). On PostgreSQL:

- the two GIN indexes on the name (pg_trgm, and the characters/pairs of migration 0005)
  become one: `dangwu_name_ngrams(name)`, the name's characters, pairs and triples. A search
  of one to three characters matches one element; a longer one matches all its triples
  (`@>`), and `name LIKE '%…%'` rechecks;
- the covering prefix indexes on initials and pinyin are replaced by indexes in the order
  the search sorts, collated "C" (so that `LIKE 'zw%'` is a range of the index in any
  database locale), carrying what the scope needs: a search by initials reads its matches in
  display order and stops at the page's end (members.selectors.search_members).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


NGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION dangwu_name_ngrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
    FROM generate_series(1, char_length(value)) AS i, (VALUES (1), (2), (3)) AS width(n)
    WHERE i + n - 1 <= char_length(value)
$$
"""

FORWARD = [
    NGRAMS_FUNCTION,
    "CREATE INDEX IF NOT EXISTS members_member_name_ngrams ON members_member USING gin (dangwu_name_ngrams(name))",
    "DROP INDEX IF EXISTS members_member_name_trgm",
    "DROP INDEX IF EXISTS members_member_name_grams",
    "DROP FUNCTION IF EXISTS dangwu_name_grams(text)",
    "DROP INDEX IF EXISTS members_member_initials_scope",
    "DROP INDEX IF EXISTS members_member_pinyin_scope",
    'CREATE INDEX IF NOT EXISTS members_member_initials_c ON members_member '
    '(name_initials COLLATE "C", name_pinyin COLLATE "C", id) INCLUDE (organization_id, user_id)',
    'CREATE INDEX IF NOT EXISTS members_member_pinyin_c ON members_member '
    '(name_pinyin COLLATE "C", id) INCLUDE (name_initials, organization_id, user_id)',
]
BACKWARD = [
    "DROP INDEX IF EXISTS members_member_pinyin_c",
    "DROP INDEX IF EXISTS members_member_initials_c",
    "CREATE INDEX IF NOT EXISTS members_member_initials_scope ON members_member "
    "(name_initials varchar_pattern_ops) INCLUDE (organization_id, user_id, id)",
    "CREATE INDEX IF NOT EXISTS members_member_pinyin_scope ON members_member "
    "(name_pinyin varchar_pattern_ops) INCLUDE (organization_id, user_id, id)",
    """
    CREATE OR REPLACE FUNCTION dangwu_name_grams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT substr(value, i, n)), '{}')
        FROM generate_series(1, char_length(value)) AS i, (VALUES (1), (2)) AS width(n)
        WHERE i + n - 1 <= char_length(value)
    $$
    """,
    "CREATE INDEX IF NOT EXISTS members_member_name_grams ON members_member USING gin (dangwu_name_grams(name))",
    "CREATE INDEX IF NOT EXISTS members_member_name_trgm ON members_member USING gin (name gin_trgm_ops)",
    "DROP INDEX IF EXISTS members_member_name_ngrams",
    "DROP FUNCTION IF EXISTS dangwu_name_ngrams(text)",
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
        ('members', '0005_search_indexes_postgres'),
        ('orgs', '0002_committeeposition_one_active_secretary_per_organization'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
        migrations.AlterField(
            model_name='historicalmember',
            name='name',
            field=models.CharField(max_length=50, verbose_name='姓名'),
        ),
        migrations.AlterField(
            model_name='historicalmember',
            name='standing',
            field=models.CharField(choices=[('normal', '正常'), ('suspended', '停止党籍'), ('expelled', '开除党籍'), ('removed', '除名'), ('withdrawn', '退党'), ('self_departed', '自行脱党'), ('deceased', '死亡')], default='normal', max_length=16, verbose_name='党籍状态'),
        ),
        migrations.AlterField(
            model_name='member',
            name='id_number_hash',
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='member',
            name='name',
            field=models.CharField(max_length=50, verbose_name='姓名'),
        ),
        migrations.AlterField(
            model_name='member',
            name='name_initials',
            field=models.CharField(editable=False, max_length=50, verbose_name='拼音首字母'),
        ),
        migrations.AlterField(
            model_name='member',
            name='name_pinyin',
            field=models.CharField(editable=False, max_length=200, verbose_name='姓名拼音'),
        ),
        migrations.AlterField(
            model_name='member',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='orgs.organization', verbose_name='所在党组织'),
        ),
        migrations.AlterField(
            model_name='member',
            name='standing',
            field=models.CharField(choices=[('normal', '正常'), ('suspended', '停止党籍'), ('expelled', '开除党籍'), ('removed', '除名'), ('withdrawn', '退党'), ('self_departed', '自行脱党'), ('deceased', '死亡')], default='normal', max_length=16, verbose_name='党籍状态'),
        ),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['standing'], name='members_member_standing'),
        ),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(fields=['name_pinyin', 'id'], name='members_member_pinyin_order'),
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(fields=('id_number_hash',), name='members_member_id_number_hash_unique'),
        ),
    ]
