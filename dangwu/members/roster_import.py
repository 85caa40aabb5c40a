"""Roster import (花名册导入): check every row of a roster against the rules and the database, then
write all of it or none, audited once.

`import_roster` checks (`validate_roster`: reads only, outside any transaction, reporting its
progress) and then hands the checked rows to the audited service
`roster_services.write_roster_import` (the new records in bulk with their history rows, the
changed ones when updating, the structure roll-ups, one `member.import` audit entry, in one short
transaction). Each row is checked with the record's own rules (`rules.record_errors`, as the
member form and the API are) and what only an import has (organizations by code or name,
duplicates within the file, standing). The file itself is read by `roster.read_roster`; an
upload is queued for the background task by `tasks.queue_roster_import`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, crypto
from dangwu.core.audit import Origin
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import RowError

from . import roster_services, rules
from .models import Member, Standing
from .roster import ROSTER_FIELDS, ParsedRoster
from .roster_services import IMPORT_CHUNK, ImportConflict, PlannedRow


def _today() -> date:
    return timezone.localdate()


_MAX_LENGTHS = {f.name: f.max_length for f in Member._meta.get_fields()
                if getattr(f, "max_length", None) and f.name in ROSTER_FIELDS and not getattr(f, "choices", None)}
_DATE_FIELDS = ("birth_date", "work_started_on", "applied_on", "joined_on", "converted_on",
                "lost_contact_since", "dues_paid_until")
_BOOL_FIELDS = ("is_outflow", "is_inflow", "lost_contact", "in_hardship", "is_party_worker")
_DEFAULTS: dict[str, Any] = {name: False for name in _BOOL_FIELDS}
_DEFAULTS.update({name: None for name in _DATE_FIELDS + ("dues_standard",)})

Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in all)


@dataclass
class RowChange:
    """What an import with updates changed in one existing record: (column, old, new) per field."""

    row: int
    name: str
    changes: list[tuple[str, str, str]]


@dataclass
class ImportResult:
    """The outcome of `import_roster`: counts, or every bad row (then nothing was written)."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    dry_run: bool = False
    organization: Any = None  # the organization the import reached (the lowest common ancestor)

    @property
    def ok(self) -> bool:
        return not self.errors


def _display(name: str, value: Any) -> str:
    """A value as a roster shows it, for reports of changes."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    try:
        f = Member._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if f.choices:
        return str(dict(f.choices).get(value, value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _common_ancestor(orgs: Iterable[Any]) -> Any:
    orgs = list({o.pk: o for o in orgs}.values())
    if not orgs:
        return None
    if len(orgs) == 1:
        return orgs[0]
    step = type(orgs[0]).steplen
    prefix = orgs[0].path
    for org in orgs[1:]:
        while not org.path.startswith(prefix):
            prefix = prefix[:-step]
    if not prefix:
        return None
    return type(orgs[0]).objects.filter(path=prefix).first()


def _resolve_organizations(
    *, actor: User | None, roster: ParsedRoster, organization: Any, errors: list[RowError],
) -> dict[int, Any]:
    """Row number → organization, by 党组织代码 (else 所在党组织, else the chosen organization);
    two queries in all. Unknown, dissolved, out-of-scope organizations are row errors."""
    from dangwu.orgs.models import Organization

    codes = {r["org_code"] for r in roster.rows if r.get("org_code")}
    names = {r["org_name"] for r in roster.rows if r.get("org_name") and not r.get("org_code")}
    by_code = {o.code: o for o in Organization.objects.filter(code__in=codes)} if codes else {}
    by_name: dict[str, list[Any]] = {}
    if names:
        candidates = Organization.objects.filter(name__in=names, dissolved_on__isnull=True)
        if organization is not None:
            candidates = candidates.filter(path__startswith=organization.path)
        for org in candidates:
            if actor is None or access.can(actor, Cap.MEMBER_EDIT, org):
                by_name.setdefault(org.name, []).append(org)
    verdicts: dict[int, str | None] = {}  # org pk → why rows may not go there, or None when fine
    result: dict[int, Any] = {}
    for row in roster.rows:
        number = row["_row"]
        code, name = row.get("org_code"), row.get("org_name")
        if "org_code" in row.get("_bad", ()) or "org_name" in row.get("_bad", ()):
            continue
        if code:
            org = by_code.get(code)
            if org is None:
                errors.append(RowError(number, roster.header("org_code"), code, _("党组织代码不存在")))
                continue
        elif name:
            found = by_name.get(name, [])
            if len(found) != 1:
                errors.append(RowError(number, roster.header("org_name"), name, _(
                    "有多个党组织名为“%(n)s”，请填写党组织代码") % {"n": name} if found else _(
                    "在您的管理范围内没有名为“%(n)s”的党组织") % {"n": name}))
                continue
            org = found[0]
        elif organization is not None:
            org = organization
        else:
            errors.append(RowError(number, roster.header("organization"), "", _(
                "请填写党组织代码，或在导入时选择党组织")))
            continue
        if org.pk not in verdicts:
            verdict = None
            if org.dissolved_on is not None:
                verdict = _("该党组织已撤销，不能在其中建立党员档案")
            elif actor is not None and not access.can(actor, Cap.MEMBER_EDIT, org):
                verdict = _("该党组织不在您的管理范围内")
            elif organization is not None and not org.path.startswith(organization.path):
                verdict = _("该党组织不在所选党组织“%(o)s”之下") % {"o": organization.name}
            verdicts[org.pk] = verdict
        if verdicts[org.pk]:
            column = "org_code" if code else "org_name" if name else "organization"
            errors.append(RowError(number, roster.header(column), code or name or org.code, verdicts[org.pk] or ""))
            continue
        result[number] = org
    return result


def _row_errors(*, values: dict[str, Any], existing: Member | None, roster: ParsedRoster,
                today: date) -> tuple[dict[str, Any], str, str | None, dict[str, str]]:
    """Check one row as `create_member` / `update_member` would: the record's own rules
    (`rules.record_errors`, as the form and the API), without a query per row (duplicates are
    looked up for the whole file at once), plus what only a roster has (lengths, standing).

    Returns (fields to set, ID number, phone or None to keep, {field: message}): the first
    message of each field, none for a cell that could not be read (reported by the parser).
    An update keeps every field whose column the file does not have.
    """
    bad = values.get("_bad", set())
    if existing is not None:
        fields = {name: getattr(existing, name) for name in ROSTER_FIELDS}
    else:
        fields = {name: _DEFAULTS.get(name, "") for name in ROSTER_FIELDS}
        fields["ethnicity"] = "汉族"
    for name in ROSTER_FIELDS:
        if name in values and name not in bad:
            fields[name] = values[name]
    if existing is None and not fields["ethnicity"]:
        fields["ethnicity"] = "汉族"
    record: dict[str, Any] = dict(fields)
    id_number = values.get("id_number") or ""
    if "id_number" not in bad:
        record["id_number"] = id_number
        if id_number:
            try:
                parsed = rules.parse_id_number(id_number, today=today)
            except ValidationError:
                pass  # record_errors says why
            else:
                id_number, record["id_number"] = parsed.number, parsed
                # Left empty in the file, the birth date and gender come from the ID number.
                if not fields.get("birth_date") and "birth_date" not in bad:
                    fields["birth_date"] = record["birth_date"] = parsed.birth_date
                if not fields.get("gender") and "gender" not in bad:
                    fields["gender"] = record["gender"] = parsed.gender
    phone: str | None = None
    if roster.has("phone") and "phone" not in bad:
        phone = record["phone"] = values.get("phone") or ""
    errors = {name: messages[0] for name, messages in rules.record_errors(record, today=today).items()
              if name not in bad}
    if phone and "phone" not in errors:
        phone = rules.normalize_phone(phone)
    for name, limit in _MAX_LENGTHS.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.setdefault(name, _("最多%(n)d个字，现为%(m)d个字") % {"n": limit, "m": len(value)})
    standing = values.get("standing") or ""
    if standing and "standing" not in bad:
        current = existing.standing if existing is not None else Standing.NORMAL
        if standing != current:
            errors["standing"] = _("党籍状态的变动（停止党籍、出党、死亡等）请在党员档案中办理，不能通过导入修改") \
                if existing is not None else _("导入只能建立党籍正常的党员档案；党籍变动请在党员档案中办理")
    return fields, id_number, phone, errors


def _error_value(roster: ParsedRoster, values: dict[str, Any], name: str, fields: dict[str, Any]) -> str:
    """The value to show beside an error: sensitive numbers masked (others may see the report)."""
    if name == "id_number":
        return rules.mask_id_number(str(values.get("id_number") or ""))
    if name == "phone":
        return rules.mask_phone(str(values.get("phone") or ""))
    value = values.get(name, fields.get(name))
    return _display(name, value)


def validate_roster(
    *, actor: User | None, roster: ParsedRoster, organization: Any = None, update: bool = False,
    progress: Progress | None = None,
) -> tuple[list[PlannedRow], list[RowError]]:
    """Check every row of a roster against the rules and the database; write nothing.

    Returns what would be written and every error. Queries: two for the organizations, one
    per 5 000 rows for ID numbers already on file (and one per 5 000 for the records to update).
    """
    if actor is not None and organization is not None:
        access.require(actor, Cap.MEMBER_EDIT, organization)
    today = _today()
    total = len(roster.rows)
    errors: list[RowError] = list(roster.errors)
    org_of_row = _resolve_organizations(actor=actor, roster=roster, organization=organization, errors=errors)

    # ID numbers: duplicates within the file, then those already on file, in chunks.
    hashes: dict[int, str] = {}
    first_row: dict[str, int] = {}
    for row in roster.rows:
        if "id_number" in row.get("_bad", ()) or not row.get("id_number"):
            continue
        number = rules.normalize_id_text(row["id_number"])
        digest = crypto.lookup_hash(number)
        if digest in first_row:
            errors.append(RowError(row["_row"], roster.header("id_number"), rules.mask_id_number(number),
                                   _("与第%(n)d行的公民身份号码重复") % {"n": first_row[digest]}))
            continue
        first_row[digest] = row["_row"]
        hashes[row["_row"]] = digest
    existing: dict[str, Member] = {}
    digests = list(hashes.values())
    for start in range(0, len(digests), IMPORT_CHUNK):
        chunk = digests[start:start + IMPORT_CHUNK]
        if update:
            for member in Member.objects.filter(id_number_hash__in=chunk).select_related("organization"):
                existing[member.id_number_hash] = member
        else:
            for digest in Member.objects.filter(id_number_hash__in=chunk).values_list("id_number_hash", flat=True):
                existing[digest] = None  # type: ignore[assignment]
        if progress:
            progress("checking", min(start + IMPORT_CHUNK, len(digests)) // 10, total)

    planned: list[PlannedRow] = []
    done_before = len(digests) // 10
    for index, row in enumerate(roster.rows, 1):
        number = row["_row"]
        digest = hashes.get(number, "")
        current = None
        if digest in existing:
            if not update:
                errors.append(RowError(number, roster.header("id_number"), rules.mask_id_number(row["id_number"]),
                                       _("该公民身份号码已登记在党员档案中；如需更新已有党员的信息，请选择“更新已有党员”")))
                continue
            current = existing[digest]
            if actor is not None and not access.can(actor, Cap.MEMBER_EDIT, current.organization):
                errors.append(RowError(number, roster.header("id_number"), rules.mask_id_number(row["id_number"]),
                                       _("该党员档案不在您的管理范围内，不能更新")))
                continue
        fields, id_number, phone, row_errors = _row_errors(values=row, existing=current, roster=roster, today=today)
        for name, message in row_errors.items():
            errors.append(RowError(number, roster.header(name), _error_value(roster, row, name, fields), message))
        org = org_of_row.get(number)
        if current is not None and org is not None and org.pk != current.organization_id:
            column = "org_code" if row.get("org_code") else "org_name" if row.get("org_name") else "organization"
            errors.append(RowError(number, roster.header(column), row.get(column) or org.code, _(
                "该党员现属“%(o)s”，导入不能转移组织关系，请办理组织关系转接") % {"o": current.organization.name}))
            continue
        if row_errors or org is None:
            continue  # reported; with any error nothing is written
        item = PlannedRow(row=number, organization=org, fields=fields, id_number=id_number, phone=phone, existing=current)
        if current is not None:
            item.changes = _changes(current, fields, phone)
        planned.append(item)
        if progress and index % 2000 == 0:
            progress("checking", done_before + int(index * (total - done_before) / total), total)
    errors.sort(key=lambda e: (e.row or 0,))
    return planned, errors


def _changes(current: Member, fields: dict[str, Any], phone: str | None) -> list[tuple[str, str, str]]:
    changed = []
    for name in ROSTER_FIELDS:
        old, new = getattr(current, name), fields[name]
        if old != new and not (old in (None, "") and new in (None, "")):
            label = str(Member._meta.get_field(name).verbose_name)
            changed.append((label, _display(name, old), _display(name, new)))
    if phone is not None and phone != current.phone:
        changed.append((str(_("联系电话")), rules.mask_phone(current.phone), rules.mask_phone(phone)))
    return changed


def _with_names(errors: list[RowError], roster: ParsedRoster) -> list[RowError]:
    """The errors with the name of the member each row is about (the 姓名 cell, as the file has
    it), so that the report reads "第 5 行 张三"."""
    names = {row["_row"]: row["name"] for row in roster.rows
             if isinstance(row.get("name"), str) and "name" not in row.get("_bad", ())}
    return [replace(error, name=names.get(error.row, "")) if error.row is not None and not error.name else error
            for error in errors]


def import_roster(
    *, actor: User | None, roster: ParsedRoster, organization: Any = None, update: bool = False, dry_run: bool = False,
    origin: Origin | None = None, progress: Progress | None = None, before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Import a roster (花名册导入): all rows or none.

    Every row is checked first (`validate_roster`); one bad row and nothing is written, and the
    result lists every bad row. Otherwise, in one transaction (the audited service
    `roster_services.write_roster_import`): the new records (bulk, with their history rows), the
    changed ones when `update` (only fields the file has; unchanged records are left alone), the
    structure statistics, and ONE audit entry `member.import`. The check runs before that
    transaction, so that its progress shows and the write lock is held only for the write.
    `actor=None` is the system (the command line). `dry_run` checks and reports, writes nothing.
    `before_commit` is called inside the write's transaction before it commits (the background
    task stops there, rolling the write back, when its run was cancelled meanwhile).
    """
    total = len(roster.rows)
    if progress:
        progress("checking", 0, total)
    planned, errors = validate_roster(actor=actor, roster=roster, organization=organization, update=update,
                                      progress=progress)
    result = ImportResult(total=total, errors=_with_names(errors, roster), dry_run=dry_run)
    creates = [p for p in planned if p.existing is None]
    updates = [p for p in planned if p.existing is not None and p.changes]
    result.created, result.updated = len(creates), len(updates)
    result.unchanged = len(planned) - len(creates) - len(updates)
    result.changes = [RowChange(p.row, p.fields["name"], p.changes) for p in updates]
    result.organization = organization or _common_ancestor(p.organization for p in planned)
    if errors or dry_run:
        return result
    if progress:
        progress("writing", total, total)
    try:
        roster_services.write_roster_import(actor=actor, roster=roster, organization=result.organization,
                                            creates=creates, updates=updates, unchanged=result.unchanged,
                                            update=update, origin=origin, before_commit=before_commit)
    except ImportConflict as conflict:
        result.errors = _with_names(conflict.errors, roster)
        result.created = result.updated = result.unchanged = 0
        result.changes = []
    return result
