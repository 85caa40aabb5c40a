"""Reads of transfer proofs (转账凭证) and of what a member's own dues look like today.

A proof is seen by the member who handed it in and by whoever collects dues (`dues.collect`) at
the member's organization — the collectors who confirm it; nobody else, not even a cadre who
only views the dues figures: the slip is a bank document of one person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members.models import Member

from . import rules, selectors
from .models import Assessment, Payment, TransferProof

ZERO = Decimal("0")
RECENT_REJECTIONS = 3  # rejected proofs a member's home still shows, newest first …
REJECTION_SHOWN_DAYS = 30  # … for this many days after they were sent back


def visible_proofs(*, actor: User) -> QuerySet[TransferProof]:
    """Proofs the actor may open: their own, and those of members whose dues they collect."""
    q = access.scope_q(actor, Cap.DUES_COLLECT, path_field="member__organization__path")
    if getattr(actor, "is_authenticated", False):
        q |= Q(member__user=actor)
    return TransferProof.objects.filter(q).select_related("member", "member__organization", "payment",
                                                          "decided_by")


def waiting_proofs(*, actor: User) -> QuerySet[TransferProof]:
    """Proofs waiting for the actor to confirm or send back (their `dues.collect` scope), oldest first."""
    return (TransferProof.objects.filter(access.scope_q(actor, Cap.DUES_COLLECT, path_field="member__organization__path"),
                                         status=TransferProof.Status.PENDING)
            .select_related("member", "member__organization").order_by("submitted_at", "id"))


def can_decide(*, actor: User, proof: TransferProof) -> bool:
    """Whether the actor may confirm or send back the proof: `dues.collect` at the member's organization."""
    return access.can(actor, Cap.DUES_COLLECT, proof.member.organization)


def pending_months(*, member: Member, exclude: TransferProof | None = None) -> set[date]:
    """The months already named by the member's proofs waiting for confirmation."""
    qs = TransferProof.objects.filter(member=member, status=TransferProof.Status.PENDING)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return {date.fromisoformat(f"{m}-01") for months in qs.values_list("months", flat=True) for m in months}


def proof_months(*, member: Member, today: date) -> list[tuple[date, Decimal | None, str]]:
    """The months a member may name on a proof today, as the upload form shows them:
    (month, amount, state) where state is "" (may be chosen), "paid", "pending" (on a proof
    waiting for confirmation) or "undeclared" (no amount yet: the branch must declare it first)."""
    pending = pending_months(member=member)
    out = []
    for month, amount, paid in selectors.payable_months(member=member, today=today):
        state = "paid" if paid else "pending" if month in pending else "undeclared" if amount is None else ""
        out.append((month, amount, state))
    return out


@dataclass
class OwnDues:
    """What a member's home shows of their dues: the months owed and their total, the last
    payment (with its receipt), the proofs waiting and those recently sent back."""

    member: Member
    owed: list[tuple[date, Decimal]] = field(default_factory=list)
    last_payment: Payment | None = None
    waiting: list[TransferProof] = field(default_factory=list)
    rejected: list[TransferProof] = field(default_factory=list)

    @property
    def owed_total(self) -> Decimal:
        return sum((amount for _month, amount in self.owed), ZERO).quantize(rules.FEN)

    @property
    def paid_up(self) -> bool:
        return not self.owed


def own_dues(*, actor: User, today: date) -> OwnDues | None:
    """The caller's own dues today (None without a member record of their own): the assessed
    months up to this one that are unpaid with something due — the months the branch's arrears
    list counts (`selectors.ARREARS_WINDOW` back) — the last payment that stands (a reversed one
    paid nothing), and the caller's proofs."""
    member = Member.objects.filter(user=actor).select_related("organization").first() \
        if getattr(actor, "is_authenticated", False) else None
    if member is None:
        return None
    upto = rules.month_start(today)
    owed = list(Assessment.objects.filter(
        member=member, payment__isnull=True, amount_due__gt=0, month__lte=upto,
        month__gte=rules.add_months(upto, -selectors.ARREARS_WINDOW)).order_by("month").values_list(
        "month", "amount_due"))
    last = Payment.objects.filter(member=member, reversed_at__isnull=True).order_by("-paid_on", "-id").first()
    proofs = TransferProof.objects.filter(member=member).exclude(status=TransferProof.Status.CONFIRMED)
    waiting = list(proofs.filter(status=TransferProof.Status.PENDING).order_by("submitted_at"))
    recent = timezone.now() - timedelta(days=REJECTION_SHOWN_DAYS)
    rejected = list(proofs.filter(status=TransferProof.Status.REJECTED, decided_at__gte=recent)
                    .order_by("-decided_at")[:RECENT_REJECTIONS])
    return OwnDues(member=member, owed=owed, last_payment=last, waiting=waiting, rejected=rejected)
