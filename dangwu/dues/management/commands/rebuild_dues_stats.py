"""Recount the dues report's roll-ups (党费收缴统计汇总): `manage.py rebuild_dues_stats [--org CODE] [--check]`.

`rebuild_rollups --only dues` under its former name."""

from dangwu.core.management.commands.rebuild_rollups import Command as RebuildRollups


class Command(RebuildRollups):
    help = ("Recompute the dues-report roll-ups from the assessment rows (after a bulk load, or to repair); "
            "--check only reports where they differ. Same as rebuild_rollups --only dues.")
    command_name = "rebuild_dues_stats"
    only = ("dues",)
