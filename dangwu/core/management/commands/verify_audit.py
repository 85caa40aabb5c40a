from django.core.management.base import BaseCommand, CommandError

from dangwu.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit non-zero naming the first broken entry."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.intact:
            raise CommandError(f"audit chain BROKEN at entry #{report.broken_seq}: {report.reason} "
                               f"({report.checked} entries verified before it)")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} entries verified"))
