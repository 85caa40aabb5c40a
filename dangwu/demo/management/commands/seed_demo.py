"""Load the demo province (演示数据): `manage.py seed_demo --members 2000 --seed 1 [--if-empty]`."""

import time

from django.core.management.base import BaseCommand, CommandError

from dangwu.demo.accounts import DEMO_MEMBER_NAME, DEMO_PASSWORD
from dangwu.demo.loader import seed_demo
from dangwu.demo.plan import DemoError
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = "Load a demo 湖南 province: organization tree, members, committees and demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=2000, help="number of members (at least 50)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same province")
        parser.add_argument(
            "--if-empty", action="store_true",
            help="do nothing (and succeed) when the database already holds organizations",
        )

    def handle(self, *args, members: int, seed: int, if_empty: bool, **options):
        if if_empty and Organization.objects.exists():
            self.stdout.write("seed_demo: the database already holds organizations; nothing loaded.")
            return
        started = time.monotonic()
        try:
            result = seed_demo(members=members, seed=seed)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"seed_demo: {result.organizations} organizations, {result.members} members, "
            f"{result.positions} committee positions, {result.standing_changes} standing changes, "
            f"{len(result.accounts)} accounts in {elapsed:.1f} s (seed {seed})."
        ))
        self.stdout.write(f"  accounts (password {DEMO_PASSWORD}): {', '.join(result.accounts)}")
        self.stdout.write(
            f"  demo branch: {result.demo_branch} — search its roster by the initials "
            f"“{result.demo_initials}” to find {DEMO_MEMBER_NAME}."
        )
