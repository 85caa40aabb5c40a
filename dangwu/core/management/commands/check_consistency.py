"""Check that the data obey the platform's own rules: `manage.py check_consistency [--org CODE] [--only KEY ...]`.

Runs every check the apps registered (`registries.consistency_checks`: roll-ups and the copies kept
beside them, recruitment histories …), changes nothing, prints what each found and exits 1 when
any found something. The demo province passes every one (`demo/tests/test_consistency.py`).
"""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangwu.core import registries


class Command(BaseCommand):
    help = ("Run every consistency check of the platform (roll-ups, 党费交至 and 党费标准 against the dues "
            "ledger, recruitment histories …); change nothing; exit 1 when one finds a problem.")

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="only this organization's subtree (党组织代码)")
        parser.add_argument("--only", nargs="+", metavar="KEY",
                            help="only these checks (" + ", ".join(c.key for c in registries.consistency_checks) + ")")

    def handle(self, *args, org: str | None, only: list[str] | None, **options: Any) -> None:
        checks = list(registries.consistency_checks)
        if only:
            unknown = [k for k in only if k not in registries.consistency_checks]
            if unknown:
                raise CommandError(f"no check {', '.join(map(repr, unknown))}; known: {', '.join(c.key for c in checks)}")
            checks = [c for c in checks if c.key in only]
        organization = None
        if org:
            organization = apps.get_model(settings.DANGWU_ORGANIZATION_MODEL).objects.filter(code=org).first()
            if organization is None:
                raise CommandError(f"no organization with code {org!r}")
        failed = []
        for check in checks:
            started = time.monotonic()
            problems = check.run(organization=organization)
            took = time.monotonic() - started
            if problems:
                failed.append(check.key)
                self.stdout.write(self.style.ERROR(f"{check.key}: {len(problems)} problem(s) ({took:.1f} s) — {check.label}"))
                for line in problems:
                    self.stdout.write(f"  {line}")
            else:
                self.stdout.write(self.style.SUCCESS(f"{check.key}: ok ({took:.1f} s) — {check.label}"))
        if failed:
            raise CommandError(f"{len(failed)} check(s) found problems: {', '.join(failed)}")
