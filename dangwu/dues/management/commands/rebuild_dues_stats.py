"""Recount the dues report's roll-ups (党费收缴统计汇总): `manage.py rebuild_dues_stats [--org CODE] [--check]`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangwu.core import audit
from dangwu.dues import rollups
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = ("Recompute the dues-report roll-ups from the assessment rows (after a bulk load, or to repair); "
            "--check only reports where they differ.")

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="only this organization's subtree (党组织代码)")
        parser.add_argument("--check", action="store_true",
                            help="compare the stored roll-ups with a recount, change nothing; exit 1 on a difference")

    def handle(self, *args, org: str | None, check: bool, **options):
        organization = None
        if org:
            organization = Organization.objects.filter(code=org).first()
            if organization is None:
                raise CommandError(f"no organization with code {org!r}")
        started = time.monotonic()
        if check:
            differences = rollups.drift(organization=organization)
            for (oid, month), (stored, recounted) in sorted(differences.items())[:50]:
                self.stdout.write(f"  organization {oid} {month:%Y-%m}: stored {stored}, recount {recounted}")
            if differences:
                raise CommandError(f"{len(differences)} dues roll-up rows differ from a recount; "
                                   f"run rebuild_dues_stats")
            self.stdout.write(self.style.SUCCESS(
                f"dues roll-ups agree with a recount ({time.monotonic() - started:.1f} s)"))
            return
        with transaction.atomic():
            rollups.rebuild(organization=organization)
            audit.record(actor=None, action="dues.stats_rebuild", organization=organization,
                         summary={"organization": org or ""})
        self.stdout.write(self.style.SUCCESS(
            f"rebuild_dues_stats: roll-ups recomputed for {organization.name if organization else 'all organizations'} "
            f"in {time.monotonic() - started:.1f} s"))
