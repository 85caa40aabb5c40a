"""Recount the structure statistics (党员结构统计): `manage.py rebuild_stats [--org CODE] [--check]`."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangwu.core import audit
from dangwu.members import rollups
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = ("Recompute the structure-statistics roll-ups from the member and organization tables "
            "(after a bulk load, or to repair), and the members' copies of their organization's path; "
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
            stale = rollups.stale_org_paths()
            if stale:
                raise CommandError(f"{stale} members' org_path differ from their organization's path "
                                   "(triggers disabled during a restore?); run rebuild_stats")
            differences = rollups.drift(organization=organization)
            for (oid, dimension, key), (stored, recounted) in sorted(differences.items())[:50]:
                self.stdout.write(f"  organization {oid} {dimension}={key!r}: stored {stored}, recount {recounted}")
            if differences:
                raise CommandError(f"{len(differences)} roll-up rows differ from a recount; run rebuild_stats")
            self.stdout.write(self.style.SUCCESS(f"roll-ups agree with a recount ({time.monotonic() - started:.1f} s)"))
            return
        with transaction.atomic():
            repaired = rollups.repair_org_paths()
            rollups.rebuild(organization=organization)
            audit.record(actor=None, action="stats.rebuild", organization=organization,
                         summary={"organization": org or "", "org_paths_repaired": repaired})
        if repaired:
            self.stdout.write(f"rebuild_stats: {repaired} members' org_path copied again from their organization")
        self.stdout.write(self.style.SUCCESS(
            f"rebuild_stats: roll-ups recomputed for {organization.name if organization else 'all organizations'} "
            f"in {time.monotonic() - started:.1f} s"))
