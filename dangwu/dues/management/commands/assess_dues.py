"""Assess a month's dues for a whole subtree from the command line or cron (月度党费核定), as the system."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangwu.dues import services, tasks
from dangwu.dues.models import AssessmentRun
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = ("Assess the month's party dues for every member in good standing of an organization's subtree "
            "(all top-level organizations by default), in batches that each commit: safe to run again, and a "
            "run that was stopped continues where it stopped. For cron: `assess_dues` on the 1st of each month.")

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", help="organization code (default: every top-level organization)")
        parser.add_argument("--month", metavar="YYYY-MM", help="the month (default: this month)")

    def handle(self, org=None, month=None, **options):
        if month:
            try:
                day = datetime.strptime(month, "%Y-%m").date()
            except ValueError:
                raise CommandError(f"--month: expected YYYY-MM, got {month!r}") from None
        else:
            day = timezone.localdate().replace(day=1)
        if org:
            organizations = list(Organization.objects.filter(code=org))
            if not organizations:
                raise CommandError(f"--org: no organization with code {org!r}")
        else:
            organizations = list(Organization.objects.filter(depth=1, dissolved_on__isnull=True).order_by("path"))
        failed = False
        for organization in organizations:
            unfinished = AssessmentRun.objects.filter(
                organization=organization, month=day,
                status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING, AssessmentRun.Status.FAILED],
            ).order_by("-pk").first()
            try:
                run = unfinished or services.start_assessment(actor=None, organization=organization,
                                                              month=date(day.year, day.month, 1), enqueue=False)
            except ValidationError as exc:
                raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from None
            status = tasks.process_run(run.pk)
            run.refresh_from_db()
            self.stdout.write(f"{organization.code} {organization.name} {day:%Y-%m}: {status}, "
                              f"{run.created_count} 条新核定（{run.done_organizations}/{run.total_organizations} 个组织）")
            failed = failed or status == AssessmentRun.Status.FAILED
        if failed:
            raise CommandError("some runs failed; run the command again to continue them", returncode=1)
