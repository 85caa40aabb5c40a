"""Every read of party dues a page or the API needs, already limited to the caller's scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member, Standing
from dangwu.orgs import selectors as org_selectors

from . import rules
from .models import Assessment, AssessmentRun, Declaration, DuesStat, DuesUse, Payment, Reduction

ZERO = Decimal("0")
ARREARS_WINDOW = 24  # months looked back for arrears


def dues_organizations(*, actor: User, capability: str = Cap.DUES_VIEW) -> QuerySet:
    return org_selectors.organizations_in_scope(actor, capability)


def dues_members(*, actor: User) -> QuerySet:
    """Members whose dues the caller may see: those of the DUES_VIEW scope, and the caller's own."""
    q = Q(pk__in=member_selectors.members_in_scope(actor, Cap.DUES_VIEW).values("pk"))
    if getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
    return Member.objects.filter(q)


def openable_member_ids(*, actor: User, member_ids: Iterable[Any]) -> set[int]:
    """The ids among `member_ids` whose dues page (dues:member) opens for the actor: `dues_members`,
    that page's own rule, for a whole list in one query. A name links there only when it opens (a
    member who transferred away still appears in the arrears of the months they owe here)."""
    ids = {int(pk) for pk in member_ids if pk is not None}
    if not ids:
        return set()
    return set(dues_members(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))


def outflow_member_by_id_number(*, actor: User, id_number: str) -> Member | None:
    """A mobile member (流出党员) found by the full ID number, for a host organization that collects
    their dues; None unless the caller collects dues somewhere."""
    from dangwu.core import crypto
    from dangwu.members import rules as member_rules

    if not access.has_capability(actor, Cap.DUES_COLLECT) or not member_rules.looks_like_id_number(id_number):
        return None
    digest = crypto.lookup_hash(member_rules.normalize_id_text(id_number))
    return Member.objects.in_good_standing().filter(id_number_hash=digest, is_outflow=True).select_related(
        "organization").first()


def outflow_member(*, pk: int) -> Member | None:
    """A mobile member by id, once the caller has found them by ID number (the view checks that)."""
    return Member.objects.in_good_standing().filter(pk=pk, is_outflow=True).select_related(
        "organization").first()


def visible_payments(*, actor: User) -> QuerySet:
    """Payments of the DUES_VIEW scope (by the member's branch or where collected), and the caller's own."""
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_VIEW):
        q |= Q(organization__path__startswith=path) | Q(collected_at__path__startswith=path)
    if getattr(actor, "is_authenticated", False):
        q |= Q(member__user=actor)
    return Payment.objects.filter(q).select_related("member", "organization", "collected_at", "recorded_by")


def visible_assessments(*, actor: User) -> QuerySet:
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_VIEW):
        q |= Q(organization__path__startswith=path)
    if getattr(actor, "is_authenticated", False):
        q |= Q(member__user=actor)
    return Assessment.objects.filter(q)


def visible_declarations(*, actor: User) -> QuerySet:
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_VIEW):
        q |= Q(member__organization__path__startswith=path)
    if getattr(actor, "is_authenticated", False):
        q |= Q(member__user=actor)
    return Declaration.objects.filter(q).select_related("member", "member__organization")


def visible_runs(*, actor: User) -> QuerySet:
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_VIEW):
        q |= Q(organization__path__startswith=path)
    return AssessmentRun.objects.filter(q).select_related("organization")


def visible_declaration_imports(*, actor: User) -> QuerySet:
    """Declarations imports the caller may look at: their own, and those of organizations where
    they may collect dues (another secretary of the branch sees the branch's imports)."""
    from .models import DeclarationImport

    q = Q(created_by=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_COLLECT):
        q |= Q(organization__path__startswith=path)
    return DeclarationImport.objects.filter(q).select_related("organization", "created_by")


def declaration_members(*, organization: Any) -> QuerySet:
    """The organization's own members in good standing, in the order of the declarations list (pinyin)."""
    return organization.members.in_good_standing().order_by("name_pinyin", "id")


def visible_reductions(*, actor: User) -> QuerySet:
    """Reductions requested in the DUES_VIEW scope, and those the caller may decide (the branches
    right below an organization where the caller holds DUES_APPROVE)."""
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_VIEW) + access.scope_paths(actor, Cap.DUES_APPROVE):
        q |= Q(organization__path__startswith=path)
    return Reduction.objects.filter(q).select_related("member", "organization", "requested_by", "decided_by")


# --- who may act on a payment or a reduction ---------------------------------------------------

def can_reverse(*, actor: User, payment: Payment) -> bool:
    """Whether the actor may reverse the payment (冲正): `dues.collect` at the payment's organization,
    or at the organization that collected it (a mobile member's payment collected at the host)."""
    return access.can(actor, Cap.DUES_COLLECT, payment.organization) or (
        payment.collected_at_id != payment.organization_id
        and access.can(actor, Cap.DUES_COLLECT, payment.collected_at))


def approving_organization(*, reduction: Reduction) -> Any:
    """The next-level committee: the parent of the requesting organization (itself at the root)."""
    org = reduction.organization
    if org.depth <= 1:
        return org
    return type(org).objects.get(path=org.path[: -type(org).steplen])


def _decidable_q(actor: User) -> Q:
    """THE rule of who decides a reduction, as a filter: `dues.approve` at the next-level committee
    (`approving_organization`, the requesting organization's parent; the root decides its own).
    The parent lies in a subtree where the actor holds `dues.approve` exactly when the requesting
    organization lies strictly below the subtree's top — or is the root of the tree itself."""
    from dangwu.orgs.models import Organization

    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.DUES_APPROVE):
        top_depth = len(path) // Organization.steplen
        q |= Q(organization__path__startswith=path) & (Q(organization__depth__gt=top_depth)
                                                        | Q(organization__depth__lte=1))
    return q


def decidable_reductions(*, actor: User) -> QuerySet:
    """The reductions the actor may approve or refuse (whatever their status)."""
    return Reduction.objects.filter(_decidable_q(actor))


def reductions_to_decide(*, actor: User) -> QuerySet:
    """待我审批: the pending reductions the actor may decide, oldest first."""
    return (decidable_reductions(actor=actor).filter(status=Reduction.Status.PENDING)
            .select_related("member", "organization", "requested_by", "decided_by").order_by("requested_at", "id"))


def can_decide(*, actor: User, reduction: Reduction) -> bool:
    """Whether the actor may approve or refuse the reduction: `dues.approve` at the next-level
    committee (the rule of `decidable_reductions`, asked of one row)."""
    return decidable_reductions(actor=actor).filter(pk=reduction.pk).exists()


# --- the amount of a month ---------------------------------------------------------------------

def amount_for(*, member: Member, month: date) -> Decimal | None:
    """What the member owes for the month: an approved reduction, else the year's declaration,
    else the 党费标准 on the member record; None when nothing is declared."""
    reduction = Reduction.objects.filter(member=member, status=Reduction.Status.APPROVED, start_month__lte=month,
                                         end_month__gte=month).order_by("monthly_amount").first()
    if reduction is not None:
        return reduction.monthly_amount
    declaration = Declaration.objects.filter(member=member, year=month.year).first()
    if declaration is not None:
        return declaration.monthly_amount
    return member.dues_standard


# --- sums -----------------------------------------------------------------------------------

@dataclass
class Totals:
    due: Decimal = ZERO
    collected: Decimal = ZERO
    members: int = 0  # member-months assessed
    paid_members: int = 0

    def __post_init__(self) -> None:
        # SQLite sums decimals as floats-turned-Decimal (50 rather than 50.00): show fen everywhere.
        self.due = Decimal(self.due or 0).quantize(rules.FEN)
        self.collected = Decimal(self.collected or 0).quantize(rules.FEN)

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.collected

    @property
    def rate(self) -> Decimal | None:
        return rules.collection_rate(self.collected, self.due)

    def as_dict(self) -> dict[str, Any]:
        return {"due": str(self.due), "collected": str(self.collected), "outstanding": str(self.outstanding),
                "collection_rate": None if self.rate is None else str(self.rate), "assessed": self.members,
                "paid": self.paid_members}


_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sums(qs: QuerySet) -> dict[str, Any]:
    """The report's figures as a direct aggregate over assessment rows: the definition the
    roll-ups (`dues.rollups`) keep, used by `direct_totals` to check them."""
    return {
        "due": Coalesce(Sum("amount_due"), Value(ZERO), output_field=_MONEY),
        "collected": Coalesce(Sum("amount_due", filter=Q(payment__isnull=False) | Q(amount_due=0)), Value(ZERO),
                              output_field=_MONEY),
        "members": Count("id"),
        "paid_members": Count("id", filter=Q(payment__isnull=False) | Q(amount_due=0)),
    }


def _period(qs: QuerySet, *, year: int, month: date | None) -> QuerySet:
    if month is not None:
        return qs.filter(month=rules.month_start(month))
    return qs.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))


def _stat_sums() -> dict[str, Any]:
    return {"due": Coalesce(Sum("due"), Value(ZERO), output_field=_MONEY),
            "collected": Coalesce(Sum("collected"), Value(ZERO), output_field=_MONEY),
            "members": Coalesce(Sum("members"), 0), "paid_members": Coalesce(Sum("paid_members"), 0)}


def direct_totals(*, organization: Any, year: int, month: date | None = None) -> Totals:
    """The same as `totals`, counted from the assessment rows themselves (a scan of the subtree's
    rows: for tests and checks, not for pages)."""
    qs = _period(Assessment.objects.filter(organization__path__startswith=organization.path), year=year, month=month)
    row = qs.aggregate(**_sums(qs))
    return Totals(due=row["due"], collected=row["collected"], members=row["members"],
                  paid_members=row["paid_members"])


def _totals(row: dict[str, Any] | None) -> Totals:
    if not row:
        return Totals()
    return Totals(due=row["due"], collected=row["collected"], members=row["members"],
                  paid_members=row["paid_members"])


def totals(*, organization: Any, year: int, month: date | None = None) -> Totals:
    """Due, collected and outstanding of an organization's whole subtree for a month or a year:
    the organization's roll-up rows (`DuesStat`), one per month."""
    qs = _period(DuesStat.objects.filter(organization=organization), year=year, month=month)
    return _totals(qs.aggregate(**_stat_sums()))


@dataclass
class ReportLine:
    organization: Any
    totals: Totals
    direct: bool = False  # the organization's own members (not a child's subtree)
    has_children: bool = False


@dataclass
class Report:
    organization: Any
    year: int
    month: date | None
    total: Totals
    lines: list[ReportLine] = field(default_factory=list)


def report(*, actor: User, organization: Any, year: int, month: date | None = None) -> Report:
    """The dues report of a subtree (党费收缴统计): the whole, and one line per child organization
    (its whole subtree) plus the organization's own members.

    Reads the roll-ups (`DuesStat`) of the organization and its children only — one row each per
    month — never the assessments: the cost depends on the number of children, not of members.
    The organization's own members are its subtree less its children's subtrees."""
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    from dangwu.orgs.models import Organization

    children = {c.pk: c for c in Organization.objects.filter(path__startswith=organization.path,
                                                              depth=organization.depth + 1).order_by("path")}
    stats = _period(DuesStat.objects.filter(organization_id__in=[organization.pk, *children]), year=year, month=month)
    by_org = {row["organization_id"]: row for row in
              stats.values("organization_id").annotate(**_stat_sums()).order_by()}
    total = _totals(by_org.get(organization.pk))
    lines: list[ReportLine] = []
    own = {"due": total.due, "collected": total.collected, "members": total.members,
           "paid_members": total.paid_members}
    for pk, child in children.items():
        row = by_org.get(pk)
        if row:
            for key in own:
                own[key] -= row[key]
        if child.dissolved_on is not None and not (row and row["members"]):
            continue
        lines.append(ReportLine(organization=child, totals=_totals(row), has_children=child.numchild > 0))
    if own["members"]:
        lines.insert(0, ReportLine(organization=organization, totals=_totals(own), direct=True))
    return Report(organization=organization, year=year, month=month, total=total, lines=lines)


# --- a branch's month ---------------------------------------------------------------------------

@dataclass
class MemberMonth:
    member: Member
    assessment: Assessment | None
    declaration: Declaration | None
    run: int = 0  # consecutive unpaid months up to the month
    owed: int = 0
    level: str = ""


def branch_month(*, actor: User, organization: Any, month: date) -> list[MemberMonth]:
    """The organization's own members in good standing (admitted by the month's end) and their dues
    of the month, with the months owed and the unpaid run."""
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    month = rules.month_start(month)
    members = list(Member.objects.in_good_standing().filter(organization=organization, joined_on__lte=rules.month_end(month))
                   .order_by("name_pinyin", "id"))
    rows = {a.member_id: a for a in Assessment.objects.filter(member__in=members, month=month)}
    declarations = {d.member_id: d for d in Declaration.objects.filter(member__in=members, year=month.year)}
    unpaid = _unpaid_months([m.pk for m in members], upto=month)
    out = []
    for m in members:
        owed = unpaid.get(m.pk, set())
        run = rules.consecutive_unpaid(owed, upto=month)
        out.append(MemberMonth(member=m, assessment=rows.get(m.pk), declaration=declarations.get(m.pk), run=run,
                               owed=rules.months_owed(owed, upto=month), level=rules.arrears_level(run)))
    return out


def _unpaid_months(member_ids: list[int], *, upto: date) -> dict[int, set[date]]:
    start = rules.add_months(upto, -ARREARS_WINDOW)
    out: dict[int, set[date]] = defaultdict(set)
    for member_id, month in Assessment.objects.filter(
            member_id__in=member_ids, payment__isnull=True, amount_due__gt=0, month__gte=start,
            month__lte=upto).values_list("member_id", "month"):
        out[member_id].add(month)
    return out


def unpaid_months(*, member: Member, upto: date) -> list[date]:
    """The months up to `upto` (within the arrears window) the member was assessed for and has not
    paid, oldest first: the same months as the branch's "累计欠交"."""
    upto = rules.month_start(upto)
    return sorted(m for m in _unpaid_months([member.pk], upto=upto).get(member.pk, set()) if m <= upto)


@dataclass
class Arrears:
    member: Member
    owed: int
    run: int
    amount: Decimal
    level: str
    months: list[date]


def arrears(*, actor: User, organization: Any, upto: date, limit: int = 500, own_only: bool = False) -> list[Arrears]:
    """Members of the subtree with unpaid months (up to `upto`), the longest unpaid runs first:
    6 consecutive months is the 自行脱党 list the branch must act on, 3 a warning. `own_only`: the
    organization's own members only (a committee's page sums its children: `arrears_by_child`)."""
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    upto = rules.month_start(upto)
    start = rules.add_months(upto, -ARREARS_WINDOW)
    where = Q(organization=organization) if own_only else Q(organization__path__startswith=organization.path)
    rows = (Assessment.objects.filter(where, payment__isnull=True,
                                      amount_due__gt=0, month__gte=start, month__lte=upto,
                                      member__standing=Standing.NORMAL)
            .values_list("member_id", "month", "amount_due"))
    months: dict[int, set[date]] = defaultdict(set)
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, month, amount in rows:
        months[member_id].add(month)
        amounts[member_id] += amount
    found = []
    for member_id, owed in months.items():
        run = rules.consecutive_unpaid(owed, upto=upto)
        found.append((member_id, len(owed), run))
    found.sort(key=lambda x: (-x[2], -x[1], x[0]))
    found = found[:limit]
    members = Member.objects.select_related("organization").in_bulk([f[0] for f in found])
    return [Arrears(member=members[mid], owed=owed, run=run, amount=amounts[mid], level=rules.arrears_level(run),
                    months=sorted(months[mid])) for mid, owed, run in found if mid in members]


def self_departure_count(*, actor: User, organization: Any, upto: date) -> int:
    """How many members of the subtree have paid nothing for the SELF_DEPARTURE_MONTHS months ending
    with `upto`'s month (the 自行脱党 rule): the `self_departure` figure of `arrears_by_child`
    (members by the organization they belong to now), counted alone over those months' unpaid rows
    (the partial index `dues_assess_unpaid`), never a row in Python. The ledger has one row a member
    and month, so a member is counted exactly when all those months' rows are unpaid."""
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    upto = rules.month_start(upto)
    start = rules.add_months(upto, -(rules.SELF_DEPARTURE_MONTHS - 1))
    return (Assessment.objects.filter(payment__isnull=True, amount_due__gt=0, month__gte=start, month__lte=upto,
                                      member__org_path__startswith=organization.path,
                                      member__standing=Standing.NORMAL)
            .order_by().values("member_id").annotate(months=Count("id"))
            .filter(months=rules.SELF_DEPARTURE_MONTHS).count())


# --- a committee's arrears by sub-organization ----------------------------------------------------

@dataclass
class ChildArrears:
    """One line of a committee's arrears summary: a child organization's whole subtree (or, with
    `direct`, the committee's own members)."""

    organization: Any
    owing: int = 0  # members in good standing with an unpaid month in the window
    self_departure: int = 0  # of them, the last 6 months all unpaid (the 自行脱党 rule)
    outstanding: Decimal = ZERO  # due less collected over the window (the roll-ups)
    month: Totals = field(default_factory=Totals)  # the month's figures (the roll-ups)
    direct: bool = False
    has_children: bool = False

    @property
    def rate(self) -> Decimal | None:
        return self.month.rate


@dataclass
class ArrearsSummary:
    organization: Any
    upto: date
    since: date  # the first month of the window
    lines: list[ChildArrears]
    owing: int = 0
    self_departure: int = 0
    outstanding: Decimal = ZERO


def owing_counts(*, organization: Any, upto: date) -> dict[str, tuple[int, int]]:
    """{child path: (members owing, of them at 6+ consecutive months)} below the organization, by
    the path of the child (of the organization) each member belongs to now; the organization's own
    members under its own path.

    Two GROUP BYs in one statement over the months owed of the window only (the partial index
    `dues_assess_unpaid`): per member, how many of the last 6 months are owed — all 6 is the
    自行脱党 run (the ledger has one row a member and month, and a paid, exempt or unassessed
    month ends a run); then per child. No row per member reaches Python."""
    upto = rules.month_start(upto)
    since = rules.add_months(upto, -ARREARS_WINDOW)
    recent = rules.add_months(upto, -(rules.SELF_DEPARTURE_MONTHS - 1))
    length = (organization.depth + 1) * type(organization).steplen
    per_member = (Assessment.objects.filter(
        payment__isnull=True, amount_due__gt=0, month__gte=since, month__lte=upto,
        member__org_path__startswith=organization.path, member__standing=Standing.NORMAL)
        .annotate(child=Substr("member__org_path", 1, length))
        .values("member_id", "child")
        .annotate(recent=Count("id", filter=Q(month__gte=recent)))
        .order_by())
    inner, params = per_member.query.sql_with_params()
    sql = (f"SELECT m.child, COUNT(*), SUM(CASE WHEN m.recent >= %s THEN 1 ELSE 0 END) "
           f"FROM ({inner}) m GROUP BY m.child")
    with connection.cursor() as cursor:
        cursor.execute(sql, [rules.SELF_DEPARTURE_MONTHS, *params])
        return {child: (int(owing), int(run or 0)) for child, owing, run in cursor.fetchall()}


def arrears_by_child(*, actor: User, organization: Any, upto: date) -> ArrearsSummary:
    """The arrears of a committee's subtree summed per direct child (and its own members): members
    owing, of them at 6+ months, the amount owed over the window, the month's collection rate.

    Amounts and rates come from the roll-ups (`DuesStat`: one read of the organization's and its
    children's rows over the window's months); the counts from `owing_counts`. The cost follows
    the number of children and of months owed, never the number of members."""
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    from dangwu.orgs.models import Organization

    upto = rules.month_start(upto)
    since = rules.add_months(upto, -ARREARS_WINDOW)
    children = {c.pk: c for c in Organization.objects.filter(path__startswith=organization.path,
                                                              depth=organization.depth + 1).order_by("path")}
    stats = {row["organization_id"]: row for row in DuesStat.objects.filter(
        organization_id__in=[organization.pk, *children], month__gte=since, month__lte=upto)
        .values("organization_id").annotate(
            window_due=Coalesce(Sum("due"), Value(ZERO), output_field=_MONEY),
            window_collected=Coalesce(Sum("collected"), Value(ZERO), output_field=_MONEY),
            month_due=Coalesce(Sum("due", filter=Q(month=upto)), Value(ZERO), output_field=_MONEY),
            month_collected=Coalesce(Sum("collected", filter=Q(month=upto)), Value(ZERO), output_field=_MONEY),
            month_members=Coalesce(Sum("members", filter=Q(month=upto)), 0),
            month_paid=Coalesce(Sum("paid_members", filter=Q(month=upto)), 0)).order_by()}
    counts = owing_counts(organization=organization, upto=upto)

    def line(org: Any, row: dict[str, Any] | None, *, direct: bool = False) -> ChildArrears:
        row = row or {}
        owing, run = counts.get(org.path, (0, 0))
        return ChildArrears(
            organization=org, owing=owing, self_departure=run, direct=direct, has_children=org.numchild > 0,
            outstanding=(Decimal(row.get("window_due") or 0)
                         - Decimal(row.get("window_collected") or 0)).quantize(rules.FEN),
            month=Totals(due=row.get("month_due") or ZERO, collected=row.get("month_collected") or ZERO,
                         members=row.get("month_members") or 0, paid_members=row.get("month_paid") or 0))

    lines = []
    own = dict(stats.get(organization.pk) or {})
    for pk, child in children.items():
        row = stats.get(pk)
        for key in own:
            if key != "organization_id" and row:
                own[key] -= row[key]
        found = line(child, row)
        if child.dissolved_on is not None and not (found.month.members or found.owing or found.outstanding):
            continue
        lines.append(found)
    direct = line(organization, own, direct=True)
    if direct.owing or direct.month.members or direct.outstanding:
        lines.insert(0, direct)
    return ArrearsSummary(organization=organization, upto=upto, since=since, lines=lines,
                          owing=sum(x.owing for x in lines), self_departure=sum(x.self_departure for x in lines),
                          outstanding=sum((x.outstanding for x in lines), ZERO))


# --- a member's dues ----------------------------------------------------------------------------

@dataclass
class Ledger:
    member: Member
    year: int
    declaration: Declaration | None
    months: list[tuple[date, Assessment | None]]
    payments: list[Payment]
    reductions: list[Reduction]
    owed: int
    run: int
    level: str
    history: list[Any]


def member_ledger(*, member: Member, year: int, today: date) -> Ledger:
    """A member's dues of a year: each month, the payments with receipts, reductions, arrears."""
    rows = {a.month: a for a in Assessment.objects.filter(member=member, month__year=year).select_related("payment")}
    months = [(m, rows.get(m)) for m in rules.months_of_year(year)]
    upto = rules.month_start(today)
    unpaid = _unpaid_months([member.pk], upto=upto).get(member.pk, set())
    run = rules.consecutive_unpaid(unpaid, upto=upto)
    declaration = Declaration.objects.filter(member=member, year=year).first()
    history = list(declaration.history.all().select_related("history_user")[:20]) if declaration else []
    return Ledger(
        member=member, year=year, declaration=declaration, months=months,
        payments=list(Payment.objects.filter(member=member).select_related("organization", "collected_at", "reversed_by")[:50]),
        reductions=list(Reduction.objects.filter(member=member)[:20]),
        owed=rules.months_owed(unpaid, upto=upto), run=run, level=rules.arrears_level(run), history=history,
    )


def payable_months(*, member: Member, today: date) -> list[tuple[date, Decimal | None, bool]]:
    """The months a payment may cover today: (month, amount, already paid)."""
    earliest, latest = rules.payable_window(today)
    earliest = max(earliest, rules.first_month(member.joined_on))
    rows = {a.month: a for a in Assessment.objects.filter(member=member, month__gte=earliest, month__lte=latest)}
    out = []
    month = earliest
    while month <= latest:
        row = rows.get(month)
        if row is not None:
            out.append((month, row.amount_due, row.payment_id is not None or not row.amount_due))
        else:
            out.append((month, amount_for(member=member, month=month), False))
        month = rules.add_months(month, 1)
    return out


# --- the yearly income-and-use statement (党费收缴使用情况) --------------------------------------

@dataclass
class Statement:
    organization: Any
    year: int
    dues_income: Decimal
    voluntary_income: Decimal
    forwarded_to_centre: Decimal
    payments: int
    uses: list[DuesUse]
    uses_by_purpose: list[tuple[str, Decimal]]
    used: Decimal
    assessed: Totals

    @property
    def income(self) -> Decimal:
        return self.dues_income + self.voluntary_income

    @property
    def kept(self) -> Decimal:
        """The income less what is forwarded whole to the Centre."""
        return self.income - self.forwarded_to_centre

    @property
    def balance(self) -> Decimal:
        return self.kept - self.used


def statement(*, actor: User, organization: Any, year: int) -> Statement:
    if not access.can(actor, Cap.DUES_VIEW, organization):
        raise PermissionDenied
    # A reversed payment (冲正) was never income: the statement counts only those standing.
    payments = Payment.objects.filter(organization__path__startswith=organization.path, paid_on__year=year,
                                      reversed_at__isnull=True)
    sums = payments.aggregate(
        dues=Coalesce(Sum("dues_amount"), Value(ZERO), output_field=_MONEY),
        voluntary=Coalesce(Sum("voluntary_amount"), Value(ZERO), output_field=_MONEY),
        centre=Coalesce(Sum("voluntary_amount", filter=Q(forward_to_centre=True)), Value(ZERO), output_field=_MONEY),
        n=Count("id"))
    uses = list(DuesUse.objects.filter(organization=organization, used_on__year=year))
    by_purpose: dict[str, Decimal] = defaultdict(Decimal)
    for use in uses:
        by_purpose[use.get_purpose_display()] += use.amount
    fen = rules.FEN
    return Statement(organization=organization, year=year, dues_income=Decimal(sums["dues"]).quantize(fen),
                     voluntary_income=Decimal(sums["voluntary"]).quantize(fen),
                     forwarded_to_centre=Decimal(sums["centre"]).quantize(fen), payments=sums["n"],
                     uses=uses, uses_by_purpose=sorted(by_purpose.items()), used=sum(by_purpose.values(), ZERO).quantize(fen),
                     assessed=totals(organization=organization, year=year))
