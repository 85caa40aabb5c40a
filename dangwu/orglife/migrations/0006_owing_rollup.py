# What the branches owe, kept in the compliance roll-up (decision 0027, amended): the rows whose period is
# "owing" are filled for the organizations already on file by a rebuild of the roll-up.

from django.db import migrations


def roll_up_owing(apps, schema_editor):
    """Rebuild the compliance roll-up with its `owing` rows (a fresh database has no branch: nothing to do)."""
    from dangwu.orglife import rollups

    if schema_editor.connection.alias != "default":
        return
    if apps.get_model("orgs", "Organization").objects.exists():
        rollups.rebuild(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('orglife', '0005_talks'),
        ('orgs', '0005_organization_field_validators'),
    ]

    operations = [
        migrations.RunPython(roll_up_owing, migrations.RunPython.noop),
    ]
