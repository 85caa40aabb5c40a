"""Every write of party dues: keyword-only, typed, one transaction and one audit entry each, of
the action the service declares with `core.audit.audited` (`AuditAction`, decision 0015).

The monthly assessment of a large subtree is the exception that proves the rule: it runs as a
background task (`tasks.run_assessment`) in batches that each commit, so that a run killed
halfway resumes where it stopped. It is audited when asked for (`start_assessment`,
dues.assess_start) and when done (`finish_assessment`, dues.assess); the batches in between
(`_assess_next_batch`, private: not a service) insert derived rows keyed by the unique
(member, month) and advance the run's cursor in the same transaction — bookkeeping of an
audited request, like the rows a roster import writes (docs/decisions/0006-dues-assessment.md).

Reads live in `selectors` (what a month costs a member, who may reverse or decide), pure rules
in `rules`, and the SQL of the monthly assessment in `assessment_sql`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.validators import control_character_problem
from dangwu.members.models import Member
from dangwu.orgs.models import Organization

from . import assessment_sql, rollups, rules, selectors
from .models import (
    Assessment,
    AssessmentRun,
    AuditAction,
    Category,
    Declaration,
    DuesStat,
    DuesUse,
    Payment,
    Reduction,
)

ASSESS_BATCH_ORGS = 1000  # organizations per INSERT … SELECT of the monthly assessment
MAX_AMOUNT = Decimal("100000000")


def _today() -> date:
    return timezone.localdate()


def _money(value: Any, *, field_name: str, errors: dict[str, list[str]], allow_zero: bool = True) -> Decimal | None:
    """A non-negative amount with at most two decimals, or an error under `field_name`."""
    if value in (None, ""):
        return Decimal("0") if allow_zero else None
    try:
        amount = rules.to_decimal(value if not isinstance(value, float) else str(value), name=field_name)
    except ValueError:
        errors.setdefault(field_name, []).append(_("请填写金额（数字）"))
        return None
    if amount < 0 or amount >= MAX_AMOUNT:
        errors.setdefault(field_name, []).append(_("金额应为0至1亿元之间的数"))
        return None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.setdefault(field_name, []).append(_("金额最多保留两位小数"))
        return None
    return amount


# --- declarations (党费基数申报) -------------------------------------------------------------

def _declaration_errors(*, category: str, base: Any, farmer_amount: Any, year: Any, today: date,
                        errors: dict[str, list[str]]) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Check one declaration's values; returns (base, farmer amount, monthly amount) or Nones."""
    if category not in Category.values:
        errors.setdefault("category", []).append(_("请选择党费类别"))
    if not rules.is_declarable_year(year, today):
        errors.setdefault("year", []).append(_("年度应为去年、今年或明年"))
    needs_base = category in rules.CATEGORIES_WITH_BASE
    if needs_base and base in (None, ""):
        errors.setdefault("base", []).append(_("在岗职工和离退休人员须填写月收入基数"))
        amount_base = None
    else:
        amount_base = _money(base, field_name="base", errors=errors)
    amount_farmer = None
    if category == rules.FARMER:
        amount_farmer = _money(farmer_amount if farmer_amount not in (None, "") else rules.FARMER_MIN,
                               field_name="farmer_amount", errors=errors)
        if amount_farmer is not None and not rules.FARMER_MIN <= amount_farmer <= rules.FARMER_MAX:
            errors.setdefault("farmer_amount", []).append(_("农牧渔民每月交纳0.20元至1.00元"))
            amount_farmer = None
    if errors or amount_base is None:
        return None, None, None
    monthly = rules.monthly_dues(category, amount_base, farmer_amount=amount_farmer or rules.FARMER_MIN)
    return amount_base, amount_farmer, monthly


def _year_declaration(member: Member, year: Any) -> Declaration | None:
    """The member's declaration of the year, locked; None when the year is not declared yet."""
    if not isinstance(year, int):
        return None
    return Declaration.objects.select_for_update().filter(member=member, year=year).first()


def _save_declaration(
    *, actor: User, member: Member, year: int, category: str, base: Any, farmer_amount: Any, reason: str,
    existing: Declaration | None, action: AuditAction, origin: Origin | None,
) -> Declaration:
    """Check and write a declaration of the year (`existing`: the year's declaration as locked, None
    for the first), with its one audit entry of `action`."""
    errors: dict[str, list[str]] = {}
    amount_base, amount_farmer, monthly = _declaration_errors(
        category=category, base=base, farmer_amount=farmer_amount, year=year, today=_today(), errors=errors)
    reason = (reason or "").strip()
    if existing is not None and not reason and monthly is not None and (
            existing.category, existing.base, existing.farmer_amount) != (category, amount_base, amount_farmer):
        errors.setdefault("reason", []).append(_("年度中调整党费基数须填写调整原因"))
    if len(reason) > 100:
        errors.setdefault("reason", []).append(_("调整原因最多100个字"))
    elif problem := control_character_problem(reason):
        errors.setdefault("reason", []).append(problem)
    if errors:
        raise ValidationError(errors)
    declaration = existing or Declaration(member=member, year=year)
    before = None if existing is None else {"category": existing.category, "base": str(existing.base),
                                            "monthly_amount": str(existing.monthly_amount)}
    declaration.category, declaration.base = category, amount_base
    declaration.farmer_amount, declaration.monthly_amount = amount_farmer, monthly
    declaration.declared_by = actor
    declaration._change_reason = reason or _("年度申报")  # type: ignore[attr-defined]
    declaration._history_user = actor  # type: ignore[attr-defined]
    declaration.save()
    _keep_standard(actor=actor, member=member, declaration=declaration, today=_today())
    audit.record(
        actor=actor, action=action, target=declaration, organization=member.organization, origin=origin,
        summary={"member": member.pk, "year": year, "category": category, "base": str(amount_base),
                 "monthly_amount": str(monthly), "before": before, "reason": reason},
    )
    return declaration


def _keep_standard(*, actor: User, member: Member, declaration: Declaration, today: date) -> None:
    """The record's 党费标准 is the monthly amount of the current year's declaration: one figure on
    the record and on the dues pages (decision 0018). A declaration of another year leaves it."""
    from dangwu.members import records as member_records

    if declaration.year == today.year:
        member_records.set_dues_standard(actor=actor, member=member, value=declaration.monthly_amount,
                                         reason=_("%(y)d年度党费基数申报") % {"y": declaration.year})


@audited(AuditAction.DECLARE, noop_allowed=True)
def declare_dues(
    *, actor: User, member: Member, year: int, category: str, base: Any = None, farmer_amount: Any = None,
    reason: str = "", origin: Origin | None = None,
) -> Declaration:
    """Declare (or change) a member's dues category and base for a year (党费基数申报).

    The monthly amount follows from `rules.monthly_dues`. The first declaration of a year needs no
    reason and is recorded here (dues.declare). When the year is declared already, this is a change
    of it, handed to `change_declaration`, which records its own entry (dues.declare_change): this
    service then records none of its own — one entry per call either way."""
    access.require(actor, Cap.DUES_COLLECT, member.organization)
    if _year_declaration(member, year) is not None:
        return change_declaration(actor=actor, member=member, year=year, category=category, base=base,
                                  farmer_amount=farmer_amount, reason=reason, origin=origin)
    return _save_declaration(actor=actor, member=member, year=year, category=category, base=base,
                             farmer_amount=farmer_amount, reason=reason, existing=None,
                             action=AuditAction.DECLARE, origin=origin)


@audited(AuditAction.DECLARE_CHANGE)
def change_declaration(
    *, actor: User, member: Member, year: int, category: str, base: Any = None, farmer_amount: Any = None,
    reason: str = "", origin: Origin | None = None,
) -> Declaration:
    """Change a member's declaration of a year: a change of the values needs a reason (the history
    keeps each version with its reason). The year must be declared already (`declare_dues`)."""
    access.require(actor, Cap.DUES_COLLECT, member.organization)
    existing = _year_declaration(member, year)
    if existing is None:
        raise ValidationError({"year": [_("本年度尚未申报党费基数。")]})
    return _save_declaration(actor=actor, member=member, year=year, category=category, base=base,
                             farmer_amount=farmer_amount, reason=reason, existing=existing,
                             action=AuditAction.DECLARE_CHANGE, origin=origin)


@dataclass
class DeclarationRow:
    """One row of a declarations sheet, read (see `dues.sheets`)."""

    row: int
    id_number: str
    name: str
    category: str
    base: Any
    farmer_amount: Any = None


@dataclass
class DeclarationImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Any] = field(default_factory=list)  # core.spreadsheets.RowError

    @property
    def ok(self) -> bool:
        return not self.errors


@audited(AuditAction.DECLARE_IMPORT_FAILED)
def record_failed_declaration_import(*, actor: User | None, run: Any, reason: str, origin: Origin | None = None) -> None:
    """Record that a declarations import ended without writing anything (`dues.declare_import_failed`):
    bad rows ("rows"), an unreadable file ("file"), an unexpected error ("error"), its worker died
    ("interrupted"). No personal data: the file's name, the year, counts and why. The task (or the
    reaper) writes the run's end in the same transaction."""
    audit.record(actor=actor, action=AuditAction.DECLARE_IMPORT_FAILED, target=run, organization=run.organization,
                 summary={"file": run.file_name, "year": run.year, "reason": reason, "rows": run.total_rows,
                          "errors": run.error_count}, origin=origin)


@audited(AuditAction.DECLARE_IMPORT, noop_allowed=True)
def import_declarations(
    *, actor: User, organization: Organization, year: int, rows: Sequence[DeclarationRow], reason: str = "",
    headers: dict[str, str] | None = None, sheet_errors: Sequence[Any] = (), origin: Origin | None = None,
) -> DeclarationImportResult:
    """Import the year's declarations of an organization's members from a sheet: all rows or none.

    Members are found by ID number within the organization's subtree; every bad row is reported
    (row, column, value, reason) and then nothing is written, nor audited. One audit entry."""
    from dangwu.core import crypto
    from dangwu.core.spreadsheets import RowError
    from dangwu.members import rules as member_rules

    access.require(actor, Cap.DUES_COLLECT, organization)
    if problem := control_character_problem(reason):
        raise ValidationError({"reason": [problem]})
    headers = headers or {}

    def head(name: str, default: str) -> str:
        return str(headers.get(name) or default)

    today = _today()
    # Cells the sheet reader could not read are reported with the rest; any error and nothing is written.
    result = DeclarationImportResult(total=len(rows) + len({e.row for e in sheet_errors}),
                                     errors=list(sheet_errors))
    if not rules.is_declarable_year(year, today):
        raise ValidationError({"year": [_("年度应为去年、今年或明年")]})
    by_hash = {}
    for row in rows:
        if row.id_number:
            by_hash[crypto.lookup_hash(member_rules.normalize_id_text(row.id_number))] = row
    members = {m.id_number_hash: m for m in Member.objects.filter(
        id_number_hash__in=list(by_hash), organization__path__startswith=organization.path).select_related(
        "organization")}
    existing = {d.member_id: d for d in Declaration.objects.filter(
        year=year, member__in=[m.pk for m in members.values()])}
    seen: dict[int, int] = {}
    planned: list[tuple[DeclarationRow, Member, Decimal, Decimal | None, Decimal]] = []
    for row in rows:
        masked = member_rules.mask_id_number(row.id_number or "")
        if not row.id_number:
            result.errors.append(RowError(row.row, head("id_number", _("公民身份号码")), "", _("请填写公民身份号码")))
            continue
        member = members.get(crypto.lookup_hash(member_rules.normalize_id_text(row.id_number)))
        if member is None:
            result.errors.append(RowError(row.row, head("id_number", _("公民身份号码")), masked,
                                          _("在“%(o)s”及下级组织中没有这名党员") % {"o": organization.name}))
            continue
        if row.name and row.name != member.name:
            result.errors.append(RowError(row.row, head("name", _("姓名")), row.name,
                                          _("姓名与档案不一致（档案中为“%(n)s”）") % {"n": member.name}))
            continue
        if member.pk in seen:
            result.errors.append(RowError(row.row, head("id_number", _("公民身份号码")), masked,
                                          _("与第%(n)d行是同一名党员") % {"n": seen[member.pk]}))
            continue
        seen[member.pk] = row.row
        if not access.can(actor, Cap.DUES_COLLECT, member.organization):
            result.errors.append(RowError(row.row, head("id_number", _("公民身份号码")), masked,
                                          _("该党员不在您的管理范围内")))
            continue
        errors: dict[str, list[str]] = {}
        amount_base, amount_farmer, monthly = _declaration_errors(
            category=row.category, base=row.base, farmer_amount=row.farmer_amount, year=year, today=today,
            errors=errors)
        for name, messages in errors.items():
            value = {"category": row.category, "base": row.base, "farmer_amount": row.farmer_amount}.get(name, "")
            label = {"category": _("党费类别"), "base": _("月收入基数"), "farmer_amount": _("农牧渔民月交标准")}
            result.errors.append(RowError(row.row, head(name, str(label.get(name, name))),
                                          "" if value is None else str(value), messages[0]))
        if errors or monthly is None or amount_base is None:
            continue
        current = existing.get(member.pk)
        if current is not None and not reason.strip() and (current.category, current.base, current.farmer_amount) != (
                row.category, amount_base, amount_farmer):
            result.errors.append(RowError(row.row, head("base", _("月收入基数")), str(row.base),
                                          _("该党员本年度已申报，调整须填写调整原因")))
            continue
        planned.append((row, member, amount_base, amount_farmer, monthly))
    if result.errors:
        result.errors.sort(key=lambda e: e.row or 0)
        return result
    for row, member, amount_base, amount_farmer, monthly in planned:
        current = existing.get(member.pk)
        if current is not None and (current.category, current.base, current.farmer_amount) == (
                row.category, amount_base, amount_farmer):
            result.unchanged += 1
            continue
        declaration = current or Declaration(member=member, year=year)
        declaration.category, declaration.base = row.category, amount_base
        declaration.farmer_amount, declaration.monthly_amount = amount_farmer, monthly
        declaration.declared_by = actor
        declaration._change_reason = reason.strip()[:100] or _("导入年度申报")  # type: ignore[attr-defined]
        declaration._history_user = actor  # type: ignore[attr-defined]
        declaration.save()
        _keep_standard(actor=actor, member=member, declaration=declaration, today=today)
        if current is None:
            result.created += 1
        else:
            result.updated += 1
    audit.record(
        actor=actor, action=AuditAction.DECLARE_IMPORT, organization=organization, origin=origin,
        summary={"year": year, "rows": result.total, "created": result.created, "updated": result.updated,
                 "unchanged": result.unchanged, "reason": reason.strip()[:100]},
    )
    return result


# --- monthly assessment (月度党费核定) ------------------------------------------------------------

def _insert_assessments(org_ids: Sequence[int], month: date) -> int:
    """Assess the month for the members of these organizations (ON CONFLICT: only rows not there
    yet) and add the rows inserted — only those — to the roll-ups, in the caller's transaction.

    On PostgreSQL the inserted rows are summed per organization by the same statement (a
    data-modifying CTE: `WITH ins AS (INSERT … RETURNING …) SELECT … GROUP BY`); elsewhere
    the RETURNING rows are summed here. Returns how many rows were inserted."""
    placeholders = ", ".join(["%s"] * len(org_ids))
    insert = assessment_sql.insert_sql(f"IN ({placeholders})") + " RETURNING organization_id, amount_due"
    params = assessment_sql.params(month, timezone.now()) + list(org_ids)
    deltas: rollups.Deltas = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH ins AS ({insert}) SELECT organization_id, SUM(amount_due), COUNT(*), "
                f"COUNT(*) FILTER (WHERE amount_due = 0) FROM ins GROUP BY organization_id", params)
            created = 0
            for org_id, due, n, zero in cursor.fetchall():
                created += n
                # a month with nothing due counts as paid (collected 0)
                deltas[(org_id, month)] = rollups.Delta(due=due, members=n, paid_members=zero)
        else:
            cursor.execute(insert, params)
            rows = cursor.fetchall()
            created = len(rows)
            for org_id, amount in rows:
                amount = Decimal(str(amount)).quantize(rules.FEN)
                deltas.setdefault((org_id, month), rollups.Delta()).add(rollups.row_delta(amount, None))
    rollups.apply(deltas)
    return created


def _insert_rows(rows: Sequence[Assessment]) -> set[int]:
    """Insert single assessments (a payment's months not assessed yet) unless the (member, month)
    is there already; returns the ids of the rows inserted (INSERT … ON CONFLICT DO NOTHING RETURNING)."""
    if not rows:
        return set()
    q = connection.ops.quote_name
    ops = connection.ops
    values = ", ".join(["(%s, %s, %s, %s, NULL, %s)"] * len(rows))
    params = [v for a in rows for v in (a.member_id, a.organization_id, ops.adapt_datefield_value(a.month),
                                        ops.adapt_decimalfield_value(a.amount_due),
                                        ops.adapt_datetimefield_value(a.created_at))]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {q(Assessment._meta.db_table)} "
                       f"(member_id, organization_id, month, amount_due, payment_id, created_at) VALUES {values} "
                       f"ON CONFLICT (member_id, month) DO NOTHING RETURNING id", params)
        return {row[0] for row in cursor.fetchall()}


def _month_errors(month: Any, today: date) -> dict[str, list[str]]:
    if not isinstance(month, date):
        return {"month": [_("请选择月份")]}
    if rules.month_start(month) > rules.month_start(today):
        return {"month": [_("不能核定未来的月份")]}
    if rules.months_between(month, today) > 24:
        return {"month": [_("只能核定最近24个月")]}
    return {}


@audited(AuditAction.ASSESS_START)
def start_assessment(*, actor: User | None, organization: Organization, month: date,
                     origin: Origin | None = None, enqueue: bool = True) -> AssessmentRun:
    """Ask for the monthly assessment of an organization's whole subtree; a background task runs it
    (`tasks.run_assessment`, enqueued when this transaction commits), unless `enqueue` is false
    (the caller runs `tasks.process_run` itself, as `manage.py assess_dues` does).
    `actor=None` is the system (the scheduled command)."""
    if actor is not None:
        access.require(actor, Cap.DUES_COLLECT, organization)
    errors = _month_errors(month, _today())
    if errors:
        raise ValidationError(errors)
    month = rules.month_start(month)
    total = Organization.objects.filter(path__startswith=organization.path).count()
    run = AssessmentRun.objects.create(organization=organization, month=month, created_by=actor,
                                       total_organizations=total)
    audit.record(actor=actor, action=AuditAction.ASSESS_START, target=run, organization=organization,
                 origin=origin, summary={"month": month.strftime("%Y-%m"), "organizations": total})

    def enqueue_run() -> None:
        from dangwu.core import runs

        from .tasks import run_assessment

        runs.enqueue(run_assessment, run)

    if enqueue:
        transaction.on_commit(enqueue_run)
    return run


def _assess_next_batch(*, run_id: int, batch_size: int = ASSESS_BATCH_ORGS) -> bool:
    """Assess the next batch of organizations of a run (one transaction): insert the rows, advance
    the cursor. False when the subtree is done. Safe to repeat: rows are keyed by (member, month).

    Not a service: no audit entry of its own. The rows are derived rows of the run audited by
    `start_assessment` and `finish_assessment` (decision 0006); `tasks.process_run` calls it."""
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update(of=("self",)).select_related("organization").get(pk=run_id)
        orgs = list(Organization.objects.filter(path__startswith=run.organization.path, path__gt=run.cursor)
                    .order_by("path").values_list("id", "path")[:batch_size])
        if not orgs:
            return False
        created = _insert_assessments([pk for pk, _path in orgs], run.month)
        run.cursor = orgs[-1][1]
        run.done_organizations = min(run.total_organizations, run.done_organizations + len(orgs))
        run.created_count += created
        run.save(update_fields=["cursor", "done_organizations", "created_count"])
    return True


@audited(AuditAction.ASSESS)
def finish_assessment(*, run_id: int) -> AssessmentRun:
    """Close a run whose batches are all done; the audit entry records how many were assessed."""
    run = AssessmentRun.objects.select_for_update(of=("self",)).select_related("organization", "created_by").get(pk=run_id)
    run.status = AssessmentRun.Status.DONE
    run.finished_at = timezone.now()
    run.done_organizations = run.total_organizations
    run.save(update_fields=["status", "finished_at", "done_organizations"])
    # the roll-up of the subtree's month: no count over its (millions of) rows
    assessed = DuesStat.objects.filter(organization=run.organization, month=run.month).values_list(
        "members", flat=True).first() or 0
    audit.record(actor=run.created_by, action=AuditAction.ASSESS, target=run, organization=run.organization,
                 summary={"month": run.month.strftime("%Y-%m"), "created": run.created_count, "assessed": assessed})
    return run


# --- hardship reductions (困难党员减免) ---------------------------------------------------------

def _month_value(value: Any) -> date | None:
    return rules.month_start(value) if isinstance(value, date) else None


@audited(AuditAction.REDUCTION_REQUEST)
def request_reduction(
    *, actor: User, member: Member, kind: str, start_month: date, end_month: date, reason: str,
    monthly_amount: Any = None, origin: Origin | None = None,
) -> Reduction:
    """The branch asks the next-level committee to reduce or waive a member's dues for some months."""
    access.require(actor, Cap.DUES_COLLECT, member.organization)
    errors: dict[str, list[str]] = {}
    if kind not in Reduction.Kind.values:
        errors["kind"] = [_("请选择减交或免交")]
    start, end = _month_value(start_month), _month_value(end_month)
    if start is None:
        errors["start_month"] = [_("请选择起始月份")]
    if end is None:
        errors["end_month"] = [_("请选择截止月份")]
    if start and end:
        if end < start:
            errors["end_month"] = [_("截止月份不能早于起始月份")]
        elif rules.months_between(start, end) >= 12:
            errors["end_month"] = [_("一次最多申请12个月")]
        elif rules.months_between(_today(), start) < -rules.BACK_PAYMENT_MONTHS:
            errors["start_month"] = [_("起始月份不能早于6个月前")]
    amount = Decimal("0")
    if kind == Reduction.Kind.REDUCE:
        amount = _money(monthly_amount, field_name="monthly_amount", errors=errors, allow_zero=False) or Decimal("0")
        if "monthly_amount" not in errors and amount <= 0:
            errors["monthly_amount"] = [_("减交后每月应交应大于0（全部免交请选择“免交”）")]
        elif "monthly_amount" not in errors and start is not None:
            standard = selectors.amount_for(member=member, month=start)
            if standard is not None and amount >= standard:
                errors["monthly_amount"] = [_("减交后的金额应低于现行标准（%(s)s元）") % {"s": standard}]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写申请理由")]
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
    if start and end and not errors and Reduction.objects.filter(
            member=member, status__in=[Reduction.Status.PENDING, Reduction.Status.APPROVED],
            start_month__lte=end, end_month__gte=start).exists():
        errors["start_month"] = [_("这段时间已有待审批或已批准的减免")]
    if errors:
        raise ValidationError(errors)
    reduction = Reduction.objects.create(
        member=member, organization=member.organization, kind=kind, monthly_amount=amount, start_month=start,
        end_month=end, reason=reason.strip(), requested_by=actor)
    audit.record(actor=actor, action=AuditAction.REDUCTION_REQUEST, target=reduction,
                 organization=member.organization, origin=origin,
                 summary={"member": member.pk, "kind": kind, "monthly_amount": str(amount),
                          "from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"})
    return reduction


@audited(AuditAction.REDUCTION_DECIDE)
def decide_reduction(*, actor: User, reduction: Reduction, approve: bool, note: str = "",
                     origin: Origin | None = None) -> Reduction:
    """The next-level committee approves or refuses a reduction. Approved, the unpaid months already
    assessed in its range are set to the reduced amount."""
    if not selectors.can_decide(actor=actor, reduction=reduction):
        raise PermissionDenied("dues.approve not held at the next-level committee")
    reduction = Reduction.objects.select_for_update().get(pk=reduction.pk)
    if reduction.status != Reduction.Status.PENDING:
        raise ValidationError({"status": [_("该申请已审批")]})
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("不批准时请填写审批意见")]})
    if problem := control_character_problem(note, multiline=True):
        raise ValidationError({"note": [problem]})
    reduction.status = Reduction.Status.APPROVED if approve else Reduction.Status.REJECTED
    reduction.decided_by, reduction.decided_at = actor, timezone.now()
    reduction.decision_note = (note or "").strip()
    reduction.save()
    changed = 0
    if approve:
        # The unpaid months of the range, locked and read first: the roll-ups change by exactly
        # the rows updated (old amount out, new amount in).
        rows = list(Assessment.objects.select_for_update().filter(
            member_id=reduction.member_id, month__gte=reduction.start_month, month__lte=reduction.end_month,
            payment__isnull=True).values_list("pk", "organization_id", "month", "amount_due"))
        changed = Assessment.objects.filter(pk__in=[r[0] for r in rows]).update(amount_due=reduction.monthly_amount)
        changes = []
        for _pk, org_id, month, amount in rows:
            changes.append((org_id, month, rollups.row_delta(amount, None, sign=-1)))
            changes.append((org_id, month, rollups.row_delta(reduction.monthly_amount, None)))
        rollups.apply(rollups.collect(changes))
    audit.record(actor=actor, action=AuditAction.REDUCTION_DECIDE, target=reduction,
                 organization=reduction.organization, origin=origin,
                 summary={"approved": approve, "note": reduction.decision_note, "assessments_changed": changed})
    return reduction


# --- payments (党费缴纳) ----------------------------------------------------------------------

@audited(AuditAction.PAYMENT)
def record_payment(
    *, actor: User, member: Member, months: Iterable[date], method: str, reference: str = "",
    paid_on: date | None = None, voluntary_amount: Any = None, collected_at: Organization | None = None,
    note: str = "",
    origin: Origin | None = None,
) -> Payment:
    """Record a payment: the chosen months (back payments at most 6 months, in advance up to
    December), and/or a voluntary extra (≥ 1000 yuan in one payment: forwarded whole to the Centre).

    A mobile member (流出党员) may pay at the host organization: `collected_at` is then that
    organization, where the actor must collect dues; the home branch sees the payment."""
    return _record_payment(actor=actor, member=member, months=months, method=method, reference=reference,
                           paid_on=paid_on, voluntary_amount=voluntary_amount, collected_at=collected_at,
                           note=note, origin=origin)


def _record_payment(
    *, actor: User, member: Member, months: Iterable[date], method: str, reference: str = "",
    paid_on: date | None = None, voluntary_amount: Any = None, collected_at: Organization | None = None,
    note: str = "", origin: Origin | None = None, action: AuditAction = AuditAction.PAYMENT,
    summary: dict[str, Any] | None = None,
) -> Payment:
    """The checks and writes of `record_payment`, with its one audit entry of `action` (`summary`
    added to the entry's): a confirmed transfer proof (`proof_services.confirm_transfer_proof`)
    records its payment here, by the same rules, as one entry of its own action."""
    home = member.organization
    if collected_at is None or collected_at.pk == home.pk:
        access.require(actor, Cap.DUES_COLLECT, home)
        collected_at = home
    else:
        access.require(actor, Cap.DUES_COLLECT, collected_at)
        if not member.is_outflow and not access.can(actor, Cap.DUES_COLLECT, home):
            raise ValidationError({"collected_at": [_("只有流出党员可以在流入地党组织交纳党费")]})
    member = Member.objects.select_for_update().get(pk=member.pk)
    today = _today()
    errors: dict[str, list[str]] = {}
    if not member.in_good_standing:
        errors["member"] = [_("该党员党籍状态为“%(s)s”，不能登记党费") % {"s": member.get_standing_display()}]
    if method not in Payment.Method.values:
        errors["method"] = [_("请选择缴纳方式")]
    reference = (reference or "").strip()
    if method in (Payment.Method.TRANSFER, Payment.Method.ONLINE) and not reference:
        errors["reference"] = [_("银行转账和网上缴纳须填写交易流水号")]
    if len(reference) > 64:
        errors["reference"] = [_("交易流水号最多64个字符")]
    if len((note or "").strip()) > 200:
        errors["note"] = [_("备注最多200个字")]
    elif problem := control_character_problem(note):
        errors["note"] = [problem]
    paid_on = paid_on or today
    if problem := rules.payment_date_problem(paid_on, today):
        errors["paid_on"] = [{"missing": _("请填写缴纳日期"), "future": _("缴纳日期不能晚于今天"),
                              "back": _("缴纳日期不能早于6个月前")}[problem]]
    voluntary = _money(voluntary_amount, field_name="voluntary_amount", errors=errors) or Decimal("0")
    chosen: list[date] = []
    for value in months or []:
        if not isinstance(value, date):
            errors.setdefault("months", []).append(_("月份格式不正确"))
            break
        if rules.month_start(value) not in chosen:
            chosen.append(rules.month_start(value))
    chosen.sort()
    if not chosen and not voluntary and "voluntary_amount" not in errors:
        errors.setdefault("months", []).append(_("请选择要交纳的月份，或填写自愿多交的金额"))
    existing = {a.month: a for a in Assessment.objects.select_for_update().filter(member=member, month__in=chosen)}
    new_rows: list[Assessment] = []
    due = Decimal("0")
    now = timezone.now()
    for month in chosen:
        problem = rules.month_payable_error(month, today)
        label = f"{month:%Y-%m}"
        if problem == "back":
            errors.setdefault("months", []).append(
                _("%(m)s：补交党费最多补交6个月，更早的月份不能补交") % {"m": label})
            continue
        if problem == "advance":
            errors.setdefault("months", []).append(_("%(m)s：预交党费只能预交到本年度12月") % {"m": label})
            continue
        if month < rules.first_month(member.joined_on):
            errors.setdefault("months", []).append(_("%(m)s：早于入党的月份") % {"m": label})
            continue
        row = existing.get(month)
        if row is not None:
            if row.payment_id is not None:
                errors.setdefault("months", []).append(_("%(m)s：已经交纳") % {"m": label})
                continue
            due += row.amount_due
            continue
        amount = selectors.amount_for(member=member, month=month)
        if amount is None:
            errors.setdefault("months", []).append(_("%(m)s：尚未申报党费基数，请先申报") % {"m": label})
            continue
        new_rows.append(Assessment(member=member, organization=home, month=month, amount_due=amount, created_at=now))
        due += amount
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        member=member, organization=home, collected_at=collected_at, method=method, reference=reference,
        paid_on=paid_on, dues_amount=due, voluntary_amount=voluntary, total_amount=due + voluntary,
        forward_to_centre=rules.forwarded_to_centre(voluntary), note=(note or "").strip(), recorded_by=actor)
    payment.receipt_number = f"DF{paid_on:%Y}{payment.pk:08d}"
    payment.save(update_fields=["receipt_number"])
    # A monthly run may have assessed one of these months meanwhile: its row is kept (ON CONFLICT),
    # and it is in the roll-ups already (the run's batch added it): only the rows inserted here are.
    inserted = _insert_rows(new_rows)
    paid = Assessment.objects.filter(member=member, month__in=chosen, payment__isnull=True).update(payment=payment)
    if paid != len(chosen):  # a concurrent payment took a month: nothing of this one is kept
        raise ValidationError({"months": [_("所选月份中有已经交纳的，请刷新后重试")]})
    settled_rows = list(Assessment.objects.filter(payment=payment).values_list("pk", "organization_id", "month",
                                                                               "amount_due"))
    settled = sum((amount for _pk, _org, _month, amount in settled_rows), Decimal("0"))
    changes = []
    for pk, org_id, month, amount in settled_rows:
        if pk in inserted:  # a new row, paid
            changes.append((org_id, month, rollups.row_delta(amount, payment.pk)))
        else:  # a row assessed before, unpaid until now
            changes.append((org_id, month, rollups.row_delta(amount, payment.pk)))
            changes.append((org_id, month, rollups.row_delta(amount, None, sign=-1)))
    rollups.apply(rollups.collect(changes))
    if settled != due:
        due = settled
        payment.dues_amount, payment.total_amount = due, due + voluntary
        payment.save(update_fields=["dues_amount", "total_amount"])
    moved = _paid_until_after_payment(actor=actor, member=member, months=chosen, today=today,
                                      receipt=payment.receipt_number or "")
    paid_until: dict[str, Any] = {}
    if moved is not None:
        payment.moved_paid_until, payment.paid_until_before = True, moved[0]
        payment.save(update_fields=["moved_paid_until", "paid_until_before"])
        paid_until = {"dues_paid_until": [_month_text(moved[0]), _month_text(moved[1])]}
    audit.record(
        actor=actor, action=action, target=payment, organization=home, origin=origin,
        summary={"member": member.pk, "months": [f"{m:%Y-%m}" for m in chosen], "dues": str(due),
                 "voluntary": str(voluntary), "method": method, "collected_at": collected_at.pk,
                 "forward_to_centre": payment.forward_to_centre, "receipt": payment.receipt_number,
                 **paid_until, **(summary or {})},
    )
    return payment


# --- 党费交至 on the member record, kept in step with the payments --------------------------------

def _month_text(value: date | None) -> str:
    return f"{value:%Y-%m}" if value is not None else ""


def _ledger_months(member: Member) -> tuple[set[date], set[date]]:
    """(paid, owed) months of the member's whole ledger: paid = a payment recorded or nothing due
    (the report's definition); owed = assessed, something due, unpaid."""
    paid: set[date] = set()
    owed: set[date] = set()
    for month, amount, payment_id in Assessment.objects.filter(member=member).values_list(
            "month", "amount_due", "payment_id"):
        (paid if rollups.is_paid(amount, payment_id) else owed).add(month)
    return paid, owed


def _paid_until_after_payment(*, actor: User, member: Member, months: Sequence[date], today: date,
                              receipt: str) -> tuple[date | None, date | None] | None:
    """Put the record's 党费交至 in step with the ledger after a payment (`rules.paid_up_to`: moved
    forward through the months now paid), written through the members' service with history;
    (before, after) when it moved, else None."""
    from dangwu.members import records as member_records

    current = member.dues_paid_until
    if not months:
        return None
    paid, owed = _ledger_months(member)
    value = rules.paid_up_to(current, paid=paid, owed=owed, first_month=rules.first_month(member.joined_on),
                             today=today)
    if value == current:
        return None
    member_records.set_dues_paid_until(actor=actor, member=member, value=value,
                                       reason=_("交纳党费（收据%(n)s）") % {"n": receipt})
    return current, value


# --- reversal of a payment (冲正) ------------------------------------------------------------

@audited(AuditAction.PAYMENT_REVERSE)
def reverse_payment(*, actor: User, payment: Payment, reason: str, origin: Origin | None = None) -> Payment:
    """Reverse a payment recorded in error (冲正/撤销缴费), with the reason.

    The payment row stays (money records are never deleted), marked reversed: who, when, why,
    and which months it had paid. Those months are unpaid again — the arrears show them — and
    the report's roll-ups lose them in the same transaction; reports and the yearly statement
    no longer count the payment; its receipt prints as 已冲正（作废）. The member record's
    党费交至 goes back to the last month still paid contiguously. A payment is reversed once.
    Who may: `dues.collect` at the payment's organization (the member's branch when paid) — or,
    for a mobile member's payment collected at the host (流入地), at the collecting organization,
    which recorded it (as `record_payment` asks of it)."""
    if not selectors.can_reverse(actor=actor, payment=payment):
        raise PermissionDenied("dues.collect not held at the payment's organization")
    payment = Payment.objects.select_for_update(of=("self",)).select_related("organization").get(pk=payment.pk)
    errors: dict[str, list[str]] = {}
    if payment.reversed_at is not None:
        errors["payment"] = [_("收据%(n)s的缴费已于%(d)s冲正，不能重复冲正") % {
            "n": payment.receipt_number, "d": timezone.localtime(payment.reversed_at).strftime("%Y-%m-%d %H:%M")}]
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = [_("请填写冲正原因")]
    elif len(reason) > 200:
        errors["reason"] = [_("冲正原因最多200个字")]
    elif problem := control_character_problem(reason):
        errors["reason"] = [problem]
    if errors:
        raise ValidationError(errors)
    member = Member.objects.select_for_update().get(pk=payment.member_id)
    rows = list(Assessment.objects.select_for_update().filter(payment=payment).order_by("month").values_list(
        "pk", "organization_id", "month", "amount_due"))
    Assessment.objects.filter(pk__in=[r[0] for r in rows]).update(payment=None)
    changes = []
    for _pk, org_id, month, amount in rows:
        changes.append((org_id, month, rollups.row_delta(amount, payment.pk, sign=-1)))
        changes.append((org_id, month, rollups.row_delta(amount, None)))
    rollups.apply(rollups.collect(changes))
    months = [month for _pk, _org, month, _amount in rows]
    payment.reversed_at, payment.reversed_by, payment.reversal_reason = timezone.now(), actor, reason
    payment.reversed_months = [f"{m:%Y-%m}" for m in months]
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason", "reversed_months"])
    current = member.dues_paid_until
    value = rules.paid_until_after_reversal(
        current, owed_again=[m for _pk, _org, m, amount in rows if amount],
        first_month=rules.first_month(member.joined_on),
        recorded_on_empty=payment.moved_paid_until and payment.paid_until_before is None,
        payment_first=months[0] if months else None)
    paid_until: dict[str, Any] = {}
    if value != current:
        from dangwu.members import records as member_records

        member_records.set_dues_paid_until(actor=actor, member=member, value=value,
                                           reason=_("冲正党费缴费（收据%(n)s）") % {"n": payment.receipt_number})
        paid_until = {"dues_paid_until": [_month_text(current), _month_text(value)]}
    audit.record(
        actor=actor, action=AuditAction.PAYMENT_REVERSE, target=payment, organization=payment.organization,
        origin=origin,
        summary={"member": member.pk, "receipt": payment.receipt_number, "months": payment.reversed_months,
                 "dues": str(payment.dues_amount), "voluntary": str(payment.voluntary_amount),
                 "total": str(payment.total_amount), "reason": reason, **paid_until},
    )
    return payment


# --- uses of the dues (党费使用) -------------------------------------------------------------

@audited(AuditAction.USE)
def record_use(*, actor: User, organization: Organization, used_on: date, purpose: str, amount: Any,
               description: str, origin: Origin | None = None) -> DuesUse:
    """Record a use of the dues an organization keeps, for its yearly income-and-use statement."""
    access.require(actor, Cap.DUES_COLLECT, organization)
    errors: dict[str, list[str]] = {}
    if not isinstance(used_on, date):
        errors["used_on"] = [_("请填写日期")]
    elif used_on > _today():
        errors["used_on"] = [_("日期不能晚于今天")]
    if purpose not in DuesUse.Purpose.values:
        errors["purpose"] = [_("请选择用途")]
    value = _money(amount, field_name="amount", errors=errors, allow_zero=False)
    if value is not None and value <= 0 and "amount" not in errors:
        errors["amount"] = [_("金额应大于0")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写说明")]
    elif len(description) > 200:
        errors["description"] = [_("说明最多200个字")]
    if errors:
        raise ValidationError(errors)
    use = DuesUse.objects.create(organization=organization, used_on=used_on, purpose=purpose, amount=value,
                                 description=description, recorded_by=actor)
    audit.record(actor=actor, action=AuditAction.USE, target=use, organization=organization, origin=origin,
                 summary={"purpose": purpose, "amount": str(value), "used_on": used_on.isoformat()})
    return use
