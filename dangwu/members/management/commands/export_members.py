"""Export an organization's roster (花名册) to .xlsx from the command line, as the system."""

from django.core.management.base import BaseCommand, CommandError

from dangwu.members import roster_export
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = ("Export the members of an organization and everything below it to .xlsx, in the columns the "
            "import reads. Run as the system: full ID and phone numbers; audited (member.export, no actor).")

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="CODE", required=True, help="organization code")
        parser.add_argument("outfile")

    def handle(self, outfile, org, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"no organization with code {org!r}")
        try:
            with open(outfile, "wb") as out:
                result = roster_export.export_roster(actor=None, organization=organization, out=out)
        except OSError as exc:
            raise CommandError(f"cannot write {outfile}: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"{result.rows} 名党员 → {outfile}"))
