"""Roster export (花名册导出): an organization's whole subtree as .xlsx, in the columns the import
reads, audited once (`roster_services.record_roster_export`, when the file is written);
`tasks.queue_roster_export` hands a large subtree to a background task (`tasks.run_roster_export`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext as _

from dangwu.core import access, crypto
from dangwu.core.audit import Origin
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import WorkbookWriter

from . import roster_services
from .models import Member
from .roster import COLUMN_BY_FIELD, EXPORT_FIELDS

EXPORT_CHUNK = 2000


@dataclass
class ExportResult:
    rows: int
    full_numbers: bool


def export_roster(*, actor: User | None, organization: Any, out: Any, origin: Origin | None = None,
                  progress: Callable[[int], None] | None = None) -> ExportResult:
    """Write the roster of an organization's whole subtree as .xlsx to `out` (a binary file);
    `progress(rows_written)` is called every 2 000 rows.

    Streams: members are read 2 000 at a time and the workbook is written row by row
    (`core.spreadsheets.WorkbookWriter`: text as text, never a formula), so a whole city never
    sits in memory. The columns are those the
    import reads (`roster.EXPORT_FIELDS`): an export imports back. ID and phone numbers are
    full only for a caller who may see them at the organization (and the system, `actor=None`);
    masked otherwise. Each export is audited (`member.export`, full or masked) once the file is
    written, by the service `roster_services.record_roster_export` in its own short transaction:
    neither the audit chain nor a transaction is held while the file is written.
    """
    if actor is not None:
        access.require(actor, Cap.MEMBER_VIEW, organization)
    with translation.override("zh-hans"):  # a roster is a Chinese document whatever the page's language
        return _export_roster(actor=actor, organization=organization, out=out, origin=origin, progress=progress)


def _export_roster(*, actor: User | None, organization: Any, out: Any, origin: Origin | None,
                   progress: Callable[[int], None] | None) -> ExportResult:
    from dangwu.orgs.models import Organization

    full = actor is None or access.can(actor, Cap.MEMBER_VIEW_SENSITIVE, organization)
    orgs = dict(Organization.objects.filter(path__startswith=organization.path).values_list("pk", "code"))
    org_names = dict(Organization.objects.filter(path__startswith=organization.path).values_list("pk", "name"))
    model_fields = [f for f in EXPORT_FIELDS if f not in ("org_code", "org_name", "id_number", "phone")]
    columns_read = ["organization_id", "id_number_encrypted" if full else "id_number_masked",
                    "phone_encrypted" if full else "phone_masked", *model_fields]
    labels = {name: {value: str(label) for value, label in Member._meta.get_field(name).choices}
              for name in model_fields if Member._meta.get_field(name).choices}
    yes, no = _("是"), _("否")

    workbook = WorkbookWriter()
    widths = {"org_name": 28, "name": 10, "id_number": 21, "work_unit": 28, "address": 36, "phone": 14}
    sheet = workbook.sheet(_("党员花名册"), widths=[widths.get(name, 12) for name in EXPORT_FIELDS], freeze="D2")
    sheet.append([sheet.cell(COLUMN_BY_FIELD[name].header, bold=True) for name in EXPORT_FIELDS])
    rows = 0
    queryset = (Member.objects.filter(organization__path__startswith=organization.path)
                .order_by("organization_id", "name_pinyin", "id").values_list(*columns_read))
    for record in queryset.iterator(chunk_size=EXPORT_CHUNK):
        org_id, id_number, phone, *values = record
        if full:
            id_number, phone = crypto.decrypt(id_number), crypto.decrypt(phone)
        by_name = dict(zip(model_fields, values, strict=True))
        line: list[Any] = []
        for name in EXPORT_FIELDS:
            if name == "org_code":
                value: Any = orgs.get(org_id, "")
            elif name == "org_name":
                value = org_names.get(org_id, "")
            elif name == "id_number":
                value = id_number
            elif name == "phone":
                value = phone
            else:
                value = by_name[name]
                if name in labels:
                    value = labels[name].get(value, value) if value else ""
                elif isinstance(value, bool):
                    value = yes if value else no
                elif isinstance(value, Decimal):
                    value = float(value)
            line.append(value)
        sheet.append(line)
        rows += 1
        if progress is not None and rows % EXPORT_CHUNK == 0:
            progress(rows)
    workbook.save(out)
    roster_services.record_roster_export(actor=actor, organization=organization, rows=rows, full_numbers=full,
                                         origin=origin)
    return ExportResult(rows=rows, full_numbers=full)
