"""Recount every roll-up (结构统计, 党费统计 …): `manage.py rebuild_rollups [--org CODE] [--check] [--only KEY ...]`.

Runs each roll-up the apps registered (`registries.rollup_specs`), with the repairs registered
beside them (`registries.rollup_repairs`: the members' copy of their organization's path).
Rebuilding writes one audit entry a roll-up, in the transaction of its rebuild; `--check` only
reports, naming each organization whose stored roll-ups differ from a recount, and exits 1.
`rebuild_stats` and `rebuild_dues_stats` are this command for one roll-up each.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangwu.core import audit, registries, rollups

SHOWN = 50  # difference lines printed a roll-up


class Command(BaseCommand):
    help = ("Recompute every roll-up of sums over the organization tree (structure statistics, dues report …) "
            "from the rows they sum, and repair the copies registered beside them (after a bulk load, or to "
            "repair); --check only reports where they differ and exits 1 on a difference.")
    command_name = "rebuild_rollups"
    only: tuple[str, ...] | None = None  # an alias of this command fixes its roll-ups

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="only this organization's subtree (党组织代码)")
        parser.add_argument("--check", action="store_true",
                            help="compare the stored roll-ups with a recount, change nothing; exit 1 on a difference")
        if self.only is None:
            parser.add_argument("--only", nargs="+", metavar="KEY",
                                help="only these roll-ups (" + ", ".join(s.key for s in registries.rollup_specs) + ")")

    def handle(self, *args, org: str | None, check: bool, only: list[str] | None = None, **options):
        specs = self._specs(self.only or only)
        organization = None
        if org:
            organization = rollups.org_model(specs[0]).objects.filter(code=org).first()
            if organization is None:
                raise CommandError(f"no organization with code {org!r}")
        if check:
            self._check(specs, organization)
        else:
            self._rebuild(specs, organization, org or "")

    def _specs(self, keys: Any) -> list[registries.RollupSpec]:
        specs = list(registries.rollup_specs)
        if keys:
            unknown = [k for k in keys if k not in registries.rollup_specs]
            if unknown:
                raise CommandError(f"no roll-up {', '.join(map(repr, unknown))}; "
                                   f"known: {', '.join(s.key for s in specs)}")
            specs = [s for s in specs if s.key in keys]
        if not specs:
            raise CommandError("no roll-up is registered")
        return specs

    @staticmethod
    def _repairs(spec: registries.RollupSpec) -> list[registries.RollupRepair]:
        return rollups.repairs_of(spec)

    def _check(self, specs: list[registries.RollupSpec], organization: Any) -> None:
        started = time.monotonic()
        problems = []
        for spec in specs:
            found = rollups.check(spec, organization=organization, shown=SHOWN)
            for line in found.details:
                self.stdout.write(f"  {line}")
            problems.extend(found.problems)
        if problems:
            raise CommandError(f"{'; '.join(problems)}; run {self.command_name}")
        self.stdout.write(self.style.SUCCESS(
            f"roll-ups agree with a recount ({', '.join(s.label for s in specs)}; "
            f"{time.monotonic() - started:.1f} s)"))

    def _rebuild(self, specs: list[registries.RollupSpec], organization: Any, code: str) -> None:
        where = organization.name if organization is not None else "all organizations"
        for spec in specs:
            started = time.monotonic()
            repaired = []
            with transaction.atomic():
                summary: dict[str, Any] = {"organization": code}
                for repair in self._repairs(spec):
                    n = summary[repair.summary_key] = repair.repair(organization=organization)
                    if n:
                        repaired.append(repair.repaired.format(n=n))
                rollups.rebuild(spec, organization=organization)
                audit.record(actor=None, action=spec.audit_action, organization=organization, summary=summary)
            for line in repaired:
                self.stdout.write(f"{self.command_name}: {line}")
            self.stdout.write(self.style.SUCCESS(
                f"{self.command_name}: {spec.label} roll-ups recomputed for {where} "
                f"in {time.monotonic() - started:.1f} s"))

