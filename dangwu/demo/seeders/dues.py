"""Dues of the demo province (演示数据): declarations, seven assessed months, payments, arrears.

The demo loader's dues seeder, run inside the loader's transaction (its `demo.seed` audit entry
covers the load). Set-based where it matters: the months are assessed with the real INSERT … SELECT.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from dangwu.core.dates import add_months, month_start
from dangwu.dues import ledger, rollups, rules, services
from dangwu.dues.models import Assessment, Declaration, Payment
from dangwu.members.models import Member, Standing
from dangwu.orgs.models import Organization

if TYPE_CHECKING:
    from ..context import DemoContext

MONTHS = 7  # the current month and the six before it: enough for the 6-month list

_CATEGORY = {"retired": rules.RETIRED, "farmer": rules.FARMER, "student": rules.STUDENT,
             "unemployed": rules.UNEMPLOYED}


def _base(rng: random.Random, category: str) -> Decimal:
    if category == rules.RETIRED:
        return Decimal(rng.randint(220, 750) * 10)
    if category == rules.EMPLOYED:
        return Decimal(rng.randint(250, 1400) * 10)
    return Decimal("0")


def seed_dues(*, context: DemoContext) -> None:
    """The dues of the whole province; the counts go into the load's audit entry as `dues`."""
    context.summary["dues"] = load_dues(root=context.root, demo_branch=context.demo_branch, seed=context.seed,
                                        today=context.today)


def load_dues(*, root: Any, demo_branch: Any, seed: int, today: date | None = None) -> dict[str, int]:
    rng = random.Random(f"dues-{seed}")
    today = today or timezone.localdate()
    current = month_start(today)
    months = [add_months(current, -i) for i in range(MONTHS - 1, -1, -1)]
    members = list(Member.objects.filter(standing=Standing.NORMAL).order_by("id")
                   .values_list("id", "occupation", "organization_id", "joined_on"))
    declarations = []
    for member_id, occupation, _org, _joined in members:
        if rng.random() < 0.1:
            continue  # left to the 党费标准 on the record
        category = _CATEGORY.get(occupation or "", rules.EMPLOYED)
        base = _base(rng, category)
        farmer = Decimal(rng.choice(["0.20", "0.50", "1.00"])) if category == rules.FARMER else None
        declarations.append(Declaration(
            member_id=member_id, year=current.year, category=category, base=base, farmer_amount=farmer,
            monthly_amount=rules.monthly_dues(category, base, farmer_amount=farmer or rules.FARMER_MIN)))
    Declaration.objects.bulk_create(declarations, batch_size=1000)
    # Earlier months of the year before: the record's standard (no declaration for that year).
    org_ids = list(Organization.objects.filter(path__startswith=root.path).values_list("id", flat=True))
    assessed = 0
    for month in months:
        for start in range(0, len(org_ids), 500):
            assessed += services._insert_assessments(org_ids[start:start + 500], month)

    # How many of the last months each member still owes: most none, some a few, a few six or more.
    demo_members = [m for m in members if m[2] == demo_branch.pk]
    forced = {demo_members[-1][0]: 6, demo_members[-2][0]: 3, demo_members[-3][0]: 1} if len(demo_members) > 4 else {}
    rows: dict[int, list[Assessment]] = {}
    for a in Assessment.objects.filter(month__in=months).order_by("month"):
        rows.setdefault(a.member_id, []).append(a)
    payments: list[tuple[Payment, list[Assessment]]] = []
    for member_id, owned in rows.items():
        org_id = owned[0].organization_id
        owe = forced.get(member_id)
        if owe is None:
            owe = rng.choices([0, 1, 2, 3, 4, 6, 7], weights=[62, 15, 7, 6, 4, 4, 2])[0]
            if org_id == demo_branch.pk and owe == 0 and rng.random() < 0.4:
                owe = 1  # the demo branch still has this month to collect
        paid = owned[: max(0, len(owned) - owe)]
        if not paid:
            continue
        last = paid[-1].month
        paid_on = min(today, last + timedelta(days=rng.randint(3, 20)))
        method = rng.choices(["cash", "transfer", "online"], weights=[40, 25, 35])[0]
        voluntary = Decimal("0")
        if rng.random() < 0.01:
            voluntary = Decimal(rng.choice(["100", "200", "1000", "2000"]))
        due = sum((a.amount_due for a in paid), Decimal("0"))
        payments.append((Payment(
            member_id=member_id, organization_id=org_id, collected_at_id=org_id, method=method,
            reference="" if method == "cash" else f"{rng.randint(10**11, 10**12 - 1)}", paid_on=paid_on,
            dues_amount=due, voluntary_amount=voluntary, total_amount=due + voluntary,
            forward_to_centre=rules.forwarded_to_centre(voluntary)), paid))
    Payment.objects.bulk_create([p for p, _rows in payments], batch_size=1000)
    for payment, _rows in payments:
        payment.receipt_number = f"DF{payment.paid_on:%Y}{payment.pk:08d}"
    Payment.objects.bulk_update([p for p, _rows in payments], ["receipt_number"], batch_size=1000)
    updates = []
    for payment, paid in payments:
        for a in paid:
            a.payment_id = payment.pk
            updates.append(a)
    Assessment.objects.bulk_update(updates, ["payment"], batch_size=1000)
    rollups.rebuild()  # the payments above were written in bulk: recount the report's roll-ups once
    # The record's copies of the ledger, by the platform's own rules (decision 0018): 党费标准 is the
    # year's declared amount, 党费交至 what the ledger says of the planned paper value.
    standards = ledger.repair_standards(organization=root, year=current.year, as_loaded=True)
    paid_until = ledger.repair_paid_until(organization=root, today=today, as_loaded=True)
    return {"declarations": len(declarations), "assessments": assessed, "payments": len(payments),
            "standards_set": standards, "paid_until_set": paid_until}
