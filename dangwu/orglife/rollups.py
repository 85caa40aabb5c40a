"""Roll-ups of 三会一课 compliance (三会一课统计汇总), kept per organization SUBTREE, kind and period.

An `OrglifeStat` row holds, for one organization's whole subtree and one (kind, period label as
`rules.period_of` writes it), two sums over the HELD meetings (decision 0026: a meeting counts once
attendance or minutes are recorded):

- `meetings`: how many held meetings of that kind fell in the period (a 联合党课 once for each
  organization that took part: it is each one's own lesson);
- `branches`: how many branches (`orgs.BRANCH_TYPES`) held at least one of them.

What is owed is kept too, in rows whose period is `OWING` ("owing"): `branches` of
(organization, "assembly", "owing") is how many branches of the subtree (not dissolved) owe the
kinds every branch owes, of (organization, "committee", "owing") how many of them have a serving
committee (owe 支委会), and of (organization, "group", "owing") how many have party groups (owe
党小组会, decision 0030); `meetings` is 0 there. A committee's "branches below that missed Q3
支部党员大会" is then read, never counted: the owing row less `branches` of the period's row
(`selectors.compliance`), for periods that have ended. What is missed is not kept itself: a period
ending is not a write (decision 0027 and its amendment).

Keeping them exact: a meeting only ever becomes held once (planned → held; cancelling applies to
planned meetings, which count for nothing), so the one delta is `meeting_held`, called by the
services in the transaction that marks it. What a branch owes changes with the organization (created,
dissolved, its type changed) and its committee (an appointment): `organizations_changed`, an
org-change listener, which `orgs.services.appoint_committee_member` also tells. The rebuild
(`_fill_own`) is the same definition in SQL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dangwu.core import rollups as engine
from dangwu.core.registries import RollupSpec
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization

from . import rules
from .models import AuditAction, Meeting, OrglifeStat

OWING = "owing"  # the period of the rows that count the branches owing a kind (not a period of rules.periods)
OWED_KINDS = (rules.ASSEMBLY, rules.COMMITTEE, rules.GROUP)  # every branch's kinds (as 支部党员大会), 支委会, 党小组会


def meeting_held(meeting: Meeting) -> None:
    """Add a meeting that has just become held to its organization's roll-ups and its ancestors' —
    and, for a 联合党课, to each joining organization's as if it were its own. Inside the caller's
    transaction, after the status was written. The organizations' rows are locked first (in id
    order), so that two meetings of one branch and period marked at once count the branch once."""
    joint = list(Meeting.joint_organizations.through.objects.filter(meeting_id=meeting.pk).values_list(
        "organization_id", flat=True))
    organizations = Organization.objects.select_for_update().only("pk", "org_type").filter(
        pk__in=[meeting.organization_id, *joint]).order_by("pk")
    kind = meeting.kind
    period = rules.period_of(kind, timezone.localtime(meeting.starts_at).date())
    deltas = {}
    for organization in organizations:
        first = not any(rules.period_of(kind, timezone.localtime(s).date()) == period
                        for s in _held_of(organization.pk).filter(kind=kind, starts_at__year__in=_years(period))
                        .exclude(pk=meeting.pk).values_list("starts_at", flat=True))
        is_branch = organization.org_type in BRANCH_TYPES
        deltas[(organization.pk, kind, period)] = (1, 1 if first and is_branch else 0)
    engine.spread(ORGLIFE, deltas)


def _held_of(organization_id: int) -> Any:
    """The held meetings that count as the organization's own: its own and the 联合党课 it joined."""
    joint = Meeting.joint_organizations.through.objects.filter(organization_id=organization_id)
    return Meeting.objects.filter(Q(organization_id=organization_id) | Q(pk__in=joint.values("meeting_id")),
                                  status=Meeting.Status.HELD)


def organizations_changed(*, before: list[Any], after: list[Any]) -> None:
    """An org-change listener, inside the writer's transaction: keeps what the branches owe
    (`OWING` rows) and, for an organization that became a branch or stopped being one (a change of
    type), its count in `branches` for each (kind, period) it held a meeting in. Reads that
    organization's own held meetings, committee and roll-up rows only."""
    deltas: dict[tuple[Any, ...], tuple[int, int]] = {}
    pairs = list(zip(before, after, strict=True))
    # a 党小组 founded, dissolved or changed: its branch's 党小组会 may be owed now, or no longer
    parents = {o.path[: len(o.path) - Organization.steplen] for pair in pairs for o in pair
               if o is not None and o.org_type == "group"} - {o.path for pair in pairs for o in pair if o is not None}
    for branch in Organization.objects.filter(path__in=parents, org_type__in=BRANCH_TYPES):
        pairs.append((branch, branch))
    for old, new in pairs:
        for kind, change in _owing_change(old, new).items():
            if change:
                deltas[(new.pk if new is not None else old.pk, kind, OWING)] = (0, change)
        if old is None or new is None:
            continue  # a new organization has held nothing yet
        sign = (new.org_type in BRANCH_TYPES) - (old.org_type in BRANCH_TYPES)
        if not sign:
            continue
        held = _held_of(new.pk).values_list("kind", "starts_at")
        for kind, period in {(k, rules.period_of(k, timezone.localtime(s).date())) for k, s in held}:
            deltas[(new.pk, kind, period)] = (0, sign)
    engine.spread(ORGLIFE, deltas)


def owes(organization: Any) -> dict[str, int]:
    """What the organization itself owes, as the `OWING` rows count it: 1 for each of `OWED_KINDS`
    it owes (a branch not dissolved; 支委会 while a committee serves), else 0."""
    if organization is None or organization.org_type not in BRANCH_TYPES or organization.dissolved_on is not None:
        return dict.fromkeys(OWED_KINDS, 0)
    committee = CommitteePosition.objects.filter(organization_id=organization.pk, ended_on__isnull=True).exists()
    groups = Organization.objects.filter(path__startswith=organization.path, depth=organization.depth + 1,
                                         org_type="group", dissolved_on__isnull=True).exists()
    return {rules.ASSEMBLY: 1, rules.COMMITTEE: int(committee), rules.GROUP: int(groups)}


def _owing_change(old: Any, new: Any) -> dict[str, int]:
    """How the organization's own `OWING` counts change: what it owes now less what its rows hold
    for it (its own row less its children's: a committee counts its branches below, not itself)."""
    if not any(o is not None and o.org_type in BRANCH_TYPES for o in (old, new)):
        return {}  # neither a branch before nor after: it owes nothing itself, now as before
    org = new if new is not None else old
    stored = dict.fromkeys(OWED_KINDS, 0)
    for pk, kind, branches in OrglifeStat.objects.filter(
            organization__path__startswith=org.path, organization__depth__lte=org.depth + 1,
            kind__in=OWED_KINDS, period=OWING).values_list("organization_id", "kind", "branches"):
        stored[kind] += branches if pk == org.pk else -branches
    now = owes(new)
    return {kind: now[kind] - stored[kind] for kind in OWED_KINDS}


def _years(period: str) -> list[int]:
    # A meeting's local day can be in another UTC year on 1 January/31 December: look at both sides.
    year = int(period[:4])
    return [year - 1, year, year + 1]


def rebuild(*, organization: Any = None, apps: Any = None) -> None:
    """Recompute the roll-ups from the held meetings (all, or one subtree and its ancestors)."""
    engine.rebuild(ORGLIFE, organization=organization, apps=apps)


def drift(*, organization: Any = None) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    return engine.drift(ORGLIFE, organization=organization)


def _period_sql(column: str) -> tuple[str, list[Any]]:
    """The period label of a meeting's local start, in SQL (the same as `rules.period_of`)."""
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE %s)"
        params: list[Any] = [settings.TIME_ZONE]
        year, month = f"to_char({local}, 'YYYY')", f"to_char({local}, 'YYYY-MM')"
        quarter = f"to_char({local}, 'YYYY-\"Q\"Q')"
    else:  # SQLite keeps UTC text; the platform's zone (Asia/Shanghai) has kept one offset since 1991
        offset = timezone.localtime().utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        local = f"{column}, '{minutes:+d} minutes'"
        params = []
        year, month = f"strftime('%%Y', {local})", f"strftime('%%Y-%%m', {local})"
        quarter = (f"(strftime('%%Y', {local}) || '-Q' || "
                   f"((CAST(strftime('%%m', {local}) AS INTEGER) + 2) / 3))")
    by_frequency = {rules.MONTH: month, rules.QUARTER: quarter, rules.YEAR: year}
    q = connection.ops.quote_name
    whens = [f"WHEN m.{q('kind')} = '{kind}' THEN {by_frequency[frequency]}"
             for kind, frequency in rules.FREQUENCY.items()]
    return "CASE " + " ".join(whens) + " END", params * len(rules.FREQUENCY)


def _fill_own(*, fill: engine.Fill) -> None:
    """Each organization's own held meetings per (kind, period) — its own meetings and the 联合党课 it
    joined (`meeting_held`'s definition) — and what it owes itself (`OWING`: a branch not dissolved,
    支委会 where a committee serves, 党小组会 where party groups stand under it), into the work table."""
    q = connection.ops.quote_name
    period, period_params = _period_sql(f"m.{q('starts_at')}")
    branch = ", ".join(f"'{t}'" for t in BRANCH_TYPES)
    owing = (f"FROM {fill.org_table} o WHERE o.{q('org_type')} IN ({branch}) AND o.{q('dissolved_on')} IS NULL "
             f"AND {fill.where_org}")
    fill.insert(f"SELECT o.{q('id')}, o.{q('depth')}, %s, %s, 0, 1 {owing}", [rules.ASSEMBLY, OWING, *fill.params])
    fill.insert(f"SELECT o.{q('id')}, o.{q('depth')}, %s, %s, 0, 1 {owing} AND EXISTS (SELECT 1 FROM "
                f"{fill.table('orgs.CommitteePosition')} p WHERE p.{q('organization_id')} = o.{q('id')} "
                f"AND p.{q('ended_on')} IS NULL)", [rules.COMMITTEE, OWING, *fill.params])
    fill.insert(f"SELECT o.{q('id')}, o.{q('depth')}, %s, %s, 0, 1 {owing} AND EXISTS (SELECT 1 FROM "
                f"{fill.org_table} g WHERE g.{q('path')} LIKE o.{q('path')} || '%%' AND g.{q('depth')} = "
                f"o.{q('depth')} + 1 AND g.{q('org_type')} = 'group' AND g.{q('dissolved_on')} IS NULL)",
                [rules.GROUP, OWING, *fill.params])
    meeting = fill.table("orglife.Meeting")
    joint = fill.table("orglife.Meeting_joint_organizations")
    own = (f"SELECT {q('organization_id')} AS org_id, {q('kind')}, {q('starts_at')} FROM {meeting} "
           f"WHERE {q('status')} = 'held'")
    joined = (f"SELECT j.{q('organization_id')}, x.{q('kind')}, x.{q('starts_at')} FROM {joint} j "
              f"JOIN {meeting} x ON x.{q('id')} = j.{q('meeting_id')} WHERE x.{q('status')} = 'held'")
    fill.insert(
        f"SELECT o.{q('id')}, o.{q('depth')}, m.{q('kind')}, {period}, COUNT(*), "
        f"MAX(CASE WHEN o.{q('org_type')} IN ({branch}) THEN 1 ELSE 0 END) "
        f"FROM ({own} UNION ALL {joined}) m JOIN {fill.org_table} o ON o.{q('id')} = m.org_id "
        f"WHERE {fill.where_org} "
        f"GROUP BY o.{q('id')}, o.{q('depth')}, m.{q('kind')}, {period}",
        [*period_params, *fill.params, *period_params],
    )


def _describe_key(*, key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


ORGLIFE = RollupSpec(
    key="orglife",
    label="orglife compliance",
    stat_model="orglife.OrglifeStat",
    keys=("kind", "period"),
    sums=("meetings", "branches"),
    fill_own=_fill_own,
    describe_key=_describe_key,
    audit_action=AuditAction.STATS_REBUILD,
    order=30,
)
