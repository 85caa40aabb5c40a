"""The member record's two copies of the dues ledger, checked and repaired (decision 0018).

The record (党员档案) shows 党费交至 (`dues_paid_until`) and 党费标准 (`dues_standard`); the dues
pages show the ledger (`Assessment`, `Payment`) and the year's declaration. They must say the same
thing, so each copy has one rule:

- 党费交至 is what `rules.paid_up_to` makes of the record's value and the member's whole ledger
  (never claiming a month still owed, never behind the months paid after it);
- 党费标准 is the monthly amount of the current year's declaration, when there is one.

The dues services keep both in step as they write (`services._paid_until_after_payment`,
`services._keep_standard`); the demo loader applies the same repairs after loading; and the two
are registered beside the dues roll-up (`registries.rollup_repairs`), so that
`manage.py rebuild_rollups --check` (and `check_consistency`) report any disagreement and
`rebuild_rollups` repairs it, each repaired record with a history row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dangwu.core.registries import RollupRepair
from dangwu.members.models import Member

from . import rules
from .models import Assessment, Declaration
from .rollups import DUES, is_paid

CHUNK = 20_000


def _members_of(organization: Any) -> Q:
    return Q(member__org_path__startswith=organization.path) if organization is not None else Q()


def _ledgers(organization: Any) -> Iterator[tuple[int, date | None, date, set[date], set[date]]]:
    """Each member's (id, 党费交至, joined on, paid months, owed months), streamed in member order:
    one pass over the ledger, whatever its size."""
    rows = (Assessment.objects.filter(_members_of(organization)).order_by("member_id", "month")
            .values_list("member_id", "month", "amount_due", "payment_id", "member__dues_paid_until",
                         "member__joined_on")
            .iterator(chunk_size=CHUNK))
    current: int | None = None
    recorded: date | None = None
    joined: date | None = None
    paid: set[date] = set()
    owed: set[date] = set()
    for member_id, month, amount, payment_id, paid_until, joined_on in rows:
        if member_id != current:
            if current is not None and joined is not None:
                yield current, recorded, joined, paid, owed
            current, recorded, joined, paid, owed = member_id, paid_until, joined_on, set(), set()
        (paid if is_paid(amount, payment_id) else owed).add(month)
    if current is not None and joined is not None:
        yield current, recorded, joined, paid, owed


def paid_until_differences(*, organization: Any = None, today: date | None = None
                           ) -> dict[int, tuple[date | None, date | None]]:
    """{member id: (党费交至 on the record, what the ledger says)} where they disagree (by month)."""
    today = today or timezone.localdate()
    found = {}
    for member_id, recorded, joined, paid, owed in _ledgers(organization):
        expected = rules.paid_up_to(recorded, paid=paid, owed=owed, first_month=rules.first_month(joined),
                                    today=today)
        stored = rules.month_start(recorded) if recorded is not None else None
        if stored != (rules.month_start(expected) if expected is not None else None):
            found[member_id] = (recorded, expected)
    return found


def standard_differences(*, organization: Any = None, year: int | None = None
                         ) -> dict[int, tuple[Decimal | None, Decimal]]:
    """{member id: (党费标准 on the record, the year's declared monthly amount)} where they differ."""
    year = year or timezone.localdate().year
    rows = (Declaration.objects.filter(_members_of(organization), year=year)
            .filter(Q(member__dues_standard__isnull=True) | ~Q(member__dues_standard=F("monthly_amount")))
            .values_list("member_id", "member__dues_standard", "monthly_amount"))
    return {member_id: (stored, declared) for member_id, stored, declared in rows}


def _write(changes: dict[int, Any], *, name: str, reason: str, as_loaded: bool = False) -> int:
    """Write the repaired values with a history row each (no audit entry of their own: the
    rebuild's entry counts them). `as_loaded`: a loader's own records, put right inside the load
    — the record and its latest history row (the one the load wrote) both get the value, so that
    the history does not show a correction of a record nobody saw wrong."""
    ids = list(changes)
    history = Member.history.model  # type: ignore[attr-defined]
    for start in range(0, len(ids), CHUNK):
        members = list(Member.objects.filter(pk__in=ids[start:start + CHUNK]))
        for member in members:
            setattr(member, name, changes[member.pk])
        if not as_loaded:
            bulk_update_with_history(members, Member, [name], batch_size=1000, default_change_reason=reason)
            continue
        Member.objects.bulk_update(members, [name], batch_size=1000)
        latest = {}
        for row in history.objects.filter(id__in=[m.pk for m in members]).order_by("history_date", "history_id"):
            latest[row.id] = row
        for row in latest.values():
            setattr(row, name, changes[row.id])
        history.objects.bulk_update(list(latest.values()), [name], batch_size=1000)
    return len(ids)


def repair_paid_until(*, organization: Any = None, today: date | None = None, as_loaded: bool = False) -> int:
    """Put every 党费交至 in step with the ledger; how many were wrong."""
    differences = paid_until_differences(organization=organization, today=today)
    return _write({pk: expected for pk, (_stored, expected) in differences.items()}, name="dues_paid_until",
                  reason="按党费台账核对党费交至", as_loaded=as_loaded)


def repair_standards(*, organization: Any = None, year: int | None = None, as_loaded: bool = False) -> int:
    """Set every 党费标准 to the year's declared monthly amount where they differ; how many were wrong."""
    differences = standard_differences(organization=organization, year=year)
    return _write({pk: declared for pk, (_stored, declared) in differences.items()}, name="dues_standard",
                  reason="按年度党费基数申报核对党费标准", as_loaded=as_loaded)


PAID_UNTIL = RollupRepair(
    key="dues_paid_until",
    rollup=DUES.key,
    count=lambda *, organization=None: len(paid_until_differences(organization=organization)),
    repair=lambda *, organization=None: repair_paid_until(organization=organization),
    problem="{n} members' 党费交至 disagree with their dues ledger",
    repaired="{n} members' 党费交至 put in step with their dues ledger",
    summary_key="paid_until_repaired",
)

STANDARDS = RollupRepair(
    key="dues_standard",
    rollup=DUES.key,
    count=lambda *, organization=None: len(standard_differences(organization=organization)),
    repair=lambda *, organization=None: repair_standards(organization=organization),
    problem="{n} members' 党费标准 differ from the monthly amount of this year's declaration",
    repaired="{n} members' 党费标准 set to this year's declared monthly amount",
    summary_key="standards_repaired",
)


# --- hand edits of the record (registries.record_field_keepers) -------------------------------

def hand_edit_problem(*, member: Member, name: str, value: Any) -> str | None:
    """Why a hand edit of the member record may not set 党费交至 or 党费标准 to `value`: the one
    would contradict the ledger, the other the year's declaration. An empty record, a member
    without a ledger or a declaration: any value (the paper record is all there is)."""
    from django.utils.translation import gettext as _

    if name == "dues_standard":
        declaration = Declaration.objects.filter(member=member, year=timezone.localdate().year).first()
        if declaration is not None and value != declaration.monthly_amount:
            return _("党费标准由本年度党费基数申报确定（每月%(a)s元），请在党费页面调整申报") % {
                "a": declaration.monthly_amount}
        return None
    if name == "dues_paid_until":
        paid: set[date] = set()
        owed: set[date] = set()
        for month, amount, payment_id in Assessment.objects.filter(member=member).values_list(
                "month", "amount_due", "payment_id"):
            (paid if is_paid(amount, payment_id) else owed).add(month)
        if not paid and not owed:
            return None
        expected = rules.paid_up_to(value, paid=paid, owed=owed, first_month=rules.first_month(member.joined_on),
                                    today=timezone.localdate())
        if (rules.month_start(value) if value else None) != (rules.month_start(expected) if expected else None):
            shown = f"{expected:%Y-%m}" if expected else _("（空）")
            return _("与党费台账不一致：按台账，党费交至应为%(m)s") % {"m": shown}
    return None
