"""Import a roster (花名册) from the command line, as the system: all rows or none."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangwu.core import classification
from dangwu.core.spreadsheets import SpreadsheetError
from dangwu.members import roster, roster_import
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = ("Import members from an .xlsx or .csv roster. All rows or none: with any bad row nothing is "
            "written, every bad row is printed (row, column, value, reason) and the exit status is 1.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", metavar="CODE",
                            help="organization code; may be left out when the file has a 党组织代码 or 所在党组织 column")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--update", action="store_true",
                            help="update members already on file (matched by ID number) and report what changed")

    def handle(self, file, org=None, dry_run=False, update=False, **options):
        organization = None
        if org:
            organization = Organization.objects.filter(code=org).first()
            if organization is None:
                raise CommandError(f"no organization with code {org!r}")
        try:
            parsed = roster.read_roster(file, max_bytes=settings.DANGWU_ROSTER_MAX_BYTES,
                                        max_rows=settings.DANGWU_ROSTER_MAX_ROWS)
        except SpreadsheetError as problem:
            raise CommandError(problem.message) from None
        with open(file, "rb") as handle:  # 涉密不上网: a readable roster of bounded size by now
            marked = classification.check_upload(name=Path(file).name, data=handle.read())
        if marked:
            raise CommandError(marked)
        result = roster_import.import_roster(actor=None, roster=parsed, organization=organization, update=update,
                                             dry_run=dry_run)
        if result.errors:
            self.stderr.write(f"{len(result.errors)} 处错误，没有写入任何数据：")
            self.stderr.write("行号\t列\t值\t原因")
            for error in result.errors:
                self.stderr.write(f"{error.row or '-'}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(f"{len(result.errors)} 处错误，没有写入任何数据", returncode=1)
        for change in result.changes:
            for label, old, new in change.changes:
                self.stdout.write(f"第{change.row}行 {change.name}: {label} {old or '—'} → {new or '—'}")
        verb = "校验通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(self.style.SUCCESS(
            f"{verb}：共 {result.total} 行，新建 {result.created} 名，更新 {result.updated} 名，无变化 {result.unchanged} 名"))
