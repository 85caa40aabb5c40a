"""Recount the structure statistics (党员结构统计): `manage.py rebuild_stats [--org CODE] [--check]`.

`rebuild_rollups --only structure` under its former name (the members' copies of their
organization's path are checked and repaired with it)."""

from dangwu.core.management.commands.rebuild_rollups import Command as RebuildRollups


class Command(RebuildRollups):
    help = ("Recompute the structure-statistics roll-ups from the member and organization tables "
            "(after a bulk load, or to repair), and the members' copies of their organization's path; "
            "--check only reports where they differ. Same as rebuild_rollups --only structure.")
    command_name = "rebuild_stats"
    only = ("structure",)
