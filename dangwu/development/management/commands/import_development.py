"""import_development FILE --org CODE [--dry-run]: people already in the pipeline, all rows or none."""

from django.core.management.base import BaseCommand, CommandError

from dangwu.development import imports
from dangwu.orgs.models import Organization


class Command(BaseCommand):
    help = "导入已在发展程序中的人员及其各步骤日期（每行一人，每列一个步骤）；有一行出错则不写入任何数据"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--org", metavar="CODE", required=True, help="the branch's organization code")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, file, org, dry_run=False, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"no organization with code {org!r}")
        result = imports.import_stage_dates(actor=None, organization=organization, path=file, file_name=file,
                                            dry_run=dry_run)
        for error in result.errors:
            self.stderr.write(f"第{error.row or '-'}行 {error.column} “{error.value}”：{error.reason}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} 处错误，没有写入任何数据", returncode=1)
        verb = "可以导入" if dry_run else "已导入"
        self.stdout.write(f"{verb} {result.created} 人")
