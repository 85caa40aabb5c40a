"""The roster's audited services: the write of a checked import (花名册导入, one `member.import`
entry) and the record of an export (花名册导出, one `member.export` entry).

Each is one short transaction, and the long work around it stays outside, in the modules callers
use: `roster_import.import_roster` checks every row of a roster and then calls
`write_roster_import`; `roster_export.export_roster` writes the whole file and then calls
`record_roster_export`. Checking 200 000 rows or writing a city's roster takes seconds to
minutes: inside the transaction it would hold the database's write lock that long (SQLite's
IMMEDIATE transactions) and hide the progress that the status pages poll until it commits.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dangwu.core import audit, crypto
from dangwu.core.audit import Origin, audited
from dangwu.core.spreadsheets import RowError

from . import rollups, rules
from .models import AuditAction, Member, RosterImport
from .roster import ROSTER_FIELDS, ParsedRoster

IMPORT_CHUNK = 5000  # ID hashes looked up per query
IMPORT_BATCH = 2000  # rows per INSERT / UPDATE statement


@dataclass
class PlannedRow:
    """A checked row of a roster: the record to create (`existing` None) or to update."""

    row: int
    organization: Any
    fields: dict[str, Any]
    id_number: str
    phone: str | None  # None: leave the stored number as it is
    existing: Any = None  # the Member on file, when the row updates it
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _today() -> date:
    return timezone.localdate()


def _date_text(value: date | None) -> str:
    """A date as a roster shows it, beside an error."""
    return value.isoformat() if value else ""


# --- the import's write -------------------------------------------------------------------

_NEW_MEMBER_FIELDS = [f for f in Member._meta.concrete_fields if f.attname != "id"]
_NEW_MEMBER_DEFAULTS = {f.attname: f.get_default() for f in _NEW_MEMBER_FIELDS}


def _new_member(item: PlannedRow, *, now: Any) -> SimpleNamespace:
    """The column values of a new record, as light attributes: a roster of 200 000 rows does not
    need 200 000 model instances (the writer copies the values; the roll-ups read attributes)."""
    record = SimpleNamespace(**_NEW_MEMBER_DEFAULTS)
    record.__dict__.update(item.fields)
    record.id = None
    record.organization_id = item.organization.pk
    record.created_at = record.updated_at = now
    record.name_pinyin, record.name_initials = rules.pinyin_keys(record.name)
    Member.set_id_number(record, item.id_number)  # type: ignore[arg-type]  # the model's own setters
    Member.set_phone(record, item.phone or "")  # type: ignore[arg-type]
    return record


def _insert_new_members(items: list[PlannedRow], records: list[SimpleNamespace], *, actor: User | None, reason: str,
                        now: Any) -> None:
    """Insert the new records with their history rows ("+", by the actor, with the reason);
    appends each record (with its `id`) to `records`.

    PostgreSQL: ids reserved with one nextval() query, then COPY into the member and the history
    table (Django's bulk_create spends ~0.3 ms a row preparing 40 columns; COPY a few µs). Each
    record is prepared (pinyin, encryption) just before it is written: the server indexes the rows
    already sent (in the writer's thread) while Python prepares the next ones.
    Elsewhere (SQLite): model instances and simple_history's bulk_create_with_history.
    """
    if connection.vendor != "postgresql":
        records.extend(_new_member(item, now=now) for item in items)
        objs = [Member(**{k: v for k, v in vars(r).items() if k != "id"}) for r in records]
        saved = bulk_create_with_history(objs, Member, batch_size=IMPORT_BATCH, default_user=actor,
                                         default_change_reason=reason, default_date=now)
        for record, obj in zip(records, saved, strict=True):
            record.id = obj.pk
        return
    from psycopg.copy import QueuedLibpqWriter

    history = Member.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    member_table, history_table = Member._meta.db_table, history._meta.db_table
    member_fields = ["id"] + [f.attname for f in _NEW_MEMBER_FIELDS]
    extras = {"history_date": now, "history_change_reason": reason, "history_type": "+",
              "history_user_id": getattr(actor, "pk", None)}
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    values_of = operator.attrgetter(*[f.attname for f in history_fields if f.attname not in extras])
    extra_values = [extras[f.attname] for f in history_fields if f.attname in extras]
    assert [f.attname for f in history_fields][-len(extras):] == list(extras)  # history fields come last
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [member_table, len(items)])
        ids = [pk for (pk,) in cursor.fetchall()]
        raw = cursor.cursor
        columns = ", ".join(quote(Member._meta.get_field(a).column) if a != "id" else "id" for a in member_fields)
        row_of = operator.attrgetter(*member_fields)
        with raw.copy(f"COPY {quote(member_table)} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
            for item, pk in zip(items, ids, strict=True):
                record = _new_member(item, now=now)
                record.id = pk
                records.append(record)
                copy.write_row(row_of(record))
        columns = ", ".join(quote(f.column) for f in history_fields)
        with raw.copy(f"COPY {quote(history_table)} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
            for record in records:
                copy.write_row((*values_of(record), *extra_values))


def _merge_pending_name_entries() -> None:
    """Merge the name index's pending list into the index (PostgreSQL; migration 0010).

    GIN gathers new entries in a pending list that every search reads in full until they are
    merged, which happens when the list is full or at a vacuum — and autovacuum waits for a fifth
    of the table to be new. After an import of thousands of members, the import merges them
    itself, so that the next searches do not pay for them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(index) FROM to_regclass('members_member_name_city') AS index "
                       "WHERE index IS NOT NULL")


class ImportConflict(Exception):
    """Rows that became wrong between the check and the write (a record edited, transferred out or
    registered meanwhile, an organization dissolved): nothing was written; the import reports them."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("the roster conflicts with records written meanwhile")
        self.errors = errors


@audited(AuditAction.MEMBER_IMPORT)
def write_roster_import(
    *, actor: User | None, roster: ParsedRoster, organization: Any, creates: list[PlannedRow],
    updates: list[PlannedRow], unchanged: int, update: bool, origin: Origin | None = None,
    before_commit: Callable[[], None] | None = None,
) -> None:
    """Write a checked roster (花名册导入), all of it or none, and record ONE audit entry `member.import`.

    `creates` and `updates` are the rows `roster_import.import_roster` has checked (the rules, the
    actor's scope, duplicates); `organization` is the one the import reached. Under lock, the rows
    are looked at again for what may have changed since the check; any conflict raises
    `ImportConflict` and nothing is written. `actor=None` is the system (the command line).
    `before_commit()` runs last, inside the transaction: what it raises rolls everything back.
    """
    from dangwu.orgs.models import Organization

    reason = (_("花名册导入：%(f)s") % {"f": roster.file_name or "-"})[:100]
    today = _today()
    now = timezone.now()
    if creates and connection.vendor == "postgresql":
        transaction.on_commit(_merge_pending_name_entries)
    # Lock the organizations written into (dissolving one waits, as for create_member) and look again.
    org_ids = {p.organization.pk for p in creates} | {p.existing.organization_id for p in updates}
    dissolved = set(Organization.objects.select_for_update().filter(pk__in=org_ids, dissolved_on__isnull=False)
                    .values_list("pk", flat=True))
    conflicts: list[RowError] = []
    # Records to update, read again under lock and checked again (someone may have edited them meanwhile).
    before: list[Any] = []  # Member or None (created), for the roll-ups
    after: list[Any] = []  # Member, or the record written for a new member
    changed_fields: set[str] = set()
    locked = Member.objects.select_for_update().in_bulk([p.existing.pk for p in updates]) if updates else {}
    to_update: list[Member] = []
    for item in updates:
        member = locked.get(item.existing.pk)
        if member is None or member.organization_id != item.existing.organization_id:
            conflicts.append(RowError(item.row, roster.header("id_number"), rules.mask_id_number(item.id_number),
                                      _("导入过程中该党员档案已被删除或转出，请重新导入")))
            continue
        stored = copy.copy(member)
        for name in ROSTER_FIELDS:
            if getattr(member, name) != item.fields[name]:
                setattr(member, name, item.fields[name])
                changed_fields.add(name)
        if "name" in changed_fields:
            member.name_pinyin, member.name_initials = rules.pinyin_keys(member.name)
        if item.phone is not None and item.phone != member.phone:
            member.set_phone(item.phone)
            changed_fields.add("phone")
        member.updated_at = now
        dates = rules.dates_errors(
            birth_date=member.birth_date, applied_on=member.applied_on, joined_on=member.joined_on,
            converted_on=member.converted_on, member_type=member.member_type, today=today,
            work_started_on=member.work_started_on, dues_paid_until=member.dues_paid_until,
            lost_contact_since=member.lost_contact_since)
        for name, message in dates.items():
            conflicts.append(RowError(item.row, roster.header(name), _date_text(getattr(member, name)), message))
        before.append(stored)
        after.append(member)
        to_update.append(member)
    for item in creates:
        if item.organization.pk in dissolved:
            conflicts.append(RowError(item.row, roster.header("organization"), item.organization.code,
                                      _("该党组织已撤销，不能在其中建立党员档案")))
    if conflicts:
        raise ImportConflict(conflicts)
    if creates:
        new_members: list[SimpleNamespace] = []
        try:
            with transaction.atomic():
                _insert_new_members(creates, new_members, actor=actor, reason=reason, now=now)
        except IntegrityError:
            taken = set()
            digests = [crypto.lookup_hash(p.id_number) for p in creates]
            for start in range(0, len(digests), IMPORT_CHUNK):
                taken |= set(Member.objects.filter(id_number_hash__in=digests[start:start + IMPORT_CHUNK])
                             .values_list("id_number_hash", flat=True))
            if not taken:
                raise
            raise ImportConflict([
                RowError(p.row, roster.header("id_number"), rules.mask_id_number(p.id_number),
                         _("导入过程中该公民身份号码已被他人登记，请重新导入"))
                for p, digest in zip(creates, digests, strict=True) if digest in taken]) from None
        before.extend([None] * len(new_members))
        after.extend(new_members)
    if to_update:
        fields = sorted(changed_fields - {"phone"}) + (["phone_encrypted", "phone_masked"] if "phone" in changed_fields else [])
        if "name" in changed_fields:
            fields += ["name_pinyin", "name_initials"]
        bulk_update_with_history(to_update, Member, fields=fields + ["updated_at"], batch_size=IMPORT_BATCH,
                                 default_user=actor, default_change_reason=reason, default_date=now)
    rollups.apply_member_changes(before=before, after=after)
    if before_commit is not None:
        before_commit()
    audit.record(
        actor=actor, action=AuditAction.MEMBER_IMPORT, target=None, organization=organization,
        summary={"file": roster.file_name, "sheet": roster.sheet, "rows": len(roster.rows), "created": len(creates),
                 "updated": len(updates), "unchanged": unchanged, "update_existing": update},
        origin=origin,
    )


# --- an import that did not happen ----------------------------------------------------------

FAILURE_REASONS = ("rows", "file", "error", "interrupted", "cancelled")


def _audit_failed_import(*, actor: Any, run: RosterImport, reason: str, origin: Origin | None) -> None:
    # No personal data: the file's name (as `member.import` records it), counts and why.
    audit.record(actor=actor, action=AuditAction.MEMBER_IMPORT_FAILED, target=run, organization=run.organization,
                 summary={"file": run.file_name, "reason": reason, "rows": run.total_rows,
                          "errors": run.error_count, "dry_run": run.dry_run}, origin=origin)


@audited(AuditAction.MEMBER_IMPORT_FAILED)
def record_failed_import(*, actor: User | None, run: RosterImport, reason: str, origin: Origin | None = None) -> None:
    """Record that a roster import (or check) ended without writing anything (`member.import_failed`):
    bad rows ("rows"), an unreadable file ("file"), an unexpected error ("error"). The task saves
    the run's row in the same transaction."""
    _audit_failed_import(actor=actor, run=run, reason=reason, origin=origin)


@audited(AuditAction.MEMBER_IMPORT_FAILED, noop_allowed=True)
def stop_roster_import(*, actor: User | None, run: RosterImport, reason: str, message: str,
                       origin: Origin | None = None) -> bool:
    """Fail a queued or running import that a person cancelled ("cancelled") or whose worker died
    ("interrupted", `actor=None`: the system), with `message`, and audit it; False (and no entry)
    when it had finished meanwhile. The task notices and stops before it writes
    (`core.runs.still_running`); the caller deletes the upload."""
    now = timezone.now()
    if not RosterImport.objects.filter(pk=run.pk, status__in=["queued", "running"]).update(
            status=RosterImport.Status.FAILED, message=message, phase="", finished_at=now):
        return False
    run.refresh_from_db()
    _audit_failed_import(actor=actor, run=run, reason=reason, origin=origin)
    return True


# --- the export's record -------------------------------------------------------------------

@audited(AuditAction.MEMBER_EXPORT)
def record_roster_export(*, actor: User | None, organization: Any, rows: int, full_numbers: bool,
                         origin: Origin | None = None) -> None:
    """Record that a roster of the organization's subtree was exported (花名册导出), with full or
    masked numbers, once its file is written (`roster_export.export_roster`). `actor=None` is the
    system (the command line)."""
    audit.record(actor=actor, action=AuditAction.MEMBER_EXPORT, target=None, organization=organization,
                 summary={"organization": organization.code, "rows": rows,
                          "numbers": "full" if full_numbers else "masked"}, origin=origin)
