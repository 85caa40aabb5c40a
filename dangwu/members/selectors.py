"""Reads of member records, already limited to the caller's scope."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, Func, Q, QuerySet, Sum, TextField
from django.db.models.functions import Collate, Left
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core import access, crypto, people
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors
from dangwu.orgs.selectors import name_grams

from . import rollups, rules
from .models import Education, Gender, Member, MemberType, Occupation, Standing, StandingChange, SubtreeStat

_LATIN = re.compile(r"^[A-Za-z]+$")


def own_member(user: Any) -> Member | None:
    """The member record linked to the user's account, or None (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_dangwu_own_member"):
        user._dangwu_own_member = Member.objects.filter(user=user).select_related("organization").first()
    return user._dangwu_own_member


def names_of_accounts(*, user_ids: Any) -> dict[int, str]:
    """{account id: name on its member record} for those accounts that have a record (one query):
    how pages name the person who acted (`core.people`)."""
    return dict(Member.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "name"))


def phone_numbers_of_accounts(*, user_ids: Any) -> dict[int, str]:
    """{account id: the mobile number on its member record} for those accounts whose record has one
    (one query, the numbers decrypted): where a notice's SMS goes (`core.notify_delivery`)."""
    rows = Member.objects.filter(user_id__in=list(user_ids)).exclude(phone_encrypted="").values_list(
        "user_id", "phone_encrypted")
    numbers = {}
    for user_id, encrypted in rows:
        try:
            numbers[user_id] = crypto.decrypt(encrypted)
        except crypto.DecryptionError:  # a record written under another key: no SMS, the others go
            continue
    return {user_id: number for user_id, number in numbers.items() if number}


def member_names(*, member_ids: Any) -> dict[int, str]:
    """{member id: name} (one query): the members an audit entry names by id."""
    return dict(Member.objects.filter(pk__in=list(member_ids)).values_list("pk", "name"))


def accounts_named(*, text: str) -> QuerySet:
    """The ids of the accounts whose member record's name contains `text` (a subquery, for the
    audit log's filter by person)."""
    return Member.objects.filter(user__isnull=False, name__contains=text).values("user_id")


def members_in_scope(actor: User, capability: str = Cap.MEMBER_VIEW) -> QuerySet[Member]:
    """Members the actor may reach with the capability; with `member.view`, their own record too."""
    q = access.scope_q(actor, capability, path_field="organization__path")
    if capability == Cap.MEMBER_VIEW and getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
    return Member.objects.filter(q)


def visible_members(*, actor: User) -> QuerySet[Member]:
    """The members whose records (the member page) the actor may open."""
    return members_in_scope(actor, Cap.MEMBER_VIEW)


def may_reveal(*, actor: User, member: Member) -> bool:
    """Whether the actor may read the member's full ID and phone numbers: their own (their own
    data), or anyone's where the actor holds `member.view_sensitive`. The reading is audited."""
    own = member.user_id is not None and member.user_id == getattr(actor, "pk", None)
    return own or access.can(actor, Cap.MEMBER_VIEW_SENSITIVE, member.organization)


def revealable_members(*, actor: User) -> QuerySet[Member]:
    """The members whose full numbers the actor may read (`may_reveal`), as a queryset."""
    q = access.scope_q(actor, Cap.MEMBER_VIEW_SENSITIVE, path_field="organization__path")
    if getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
    return Member.objects.filter(q)


def subtree_member_totals(*, actor: User, organizations: Iterable[Any]) -> dict[int, int]:
    """Members in good standing of each organization's whole subtree, for the organizations whose
    members the actor may view (others are left out): the roll-ups' member-type rows of all of them
    in one query, whatever their number or size (the tree's level under a city is a few dozen)."""
    ids = [org.pk for org in organizations if access.can(actor, Cap.MEMBER_VIEW, org)]
    if not ids:
        return {}
    totals = dict.fromkeys(ids, 0)
    for org_id, count in (SubtreeStat.objects.filter(organization_id__in=ids, dimension="member_type")
                          .values_list("organization_id").annotate(n=Sum("count")).order_by()):
        totals[org_id] = count
    return totals


def openable_member_ids(*, actor: User, member_ids: Iterable[Any]) -> set[int]:
    """The ids among `member_ids` whose records open for the actor: `visible_members`, the member
    page's own rule, asked once for a whole list (one query, none for an empty list). Every page that
    shows a member's name links it only when its id is in here; otherwise the name is plain text (a
    plain member sees the committee's names, not their records)."""
    ids = {int(pk) for pk in member_ids if pk is not None}
    if not ids or not getattr(actor, "is_authenticated", False):
        return set()
    return set(visible_members(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))


def member_counts(*, organization: Any) -> dict[str, int]:
    """Members of the organization itself (not the subtree), by type, in good standing."""
    row = Member.objects.filter(organization=organization).in_good_standing().aggregate(
        full=Count("id", filter=Q(member_type=MemberType.FULL)),
        probationary=Count("id", filter=Q(member_type=MemberType.PROBATIONARY)),
    )
    return {"full": row["full"], "probationary": row["probationary"], "all": row["full"] + row["probationary"]}


def appointable_members(*, actor: User, organization: Any) -> QuerySet[Member]:
    """Who may be seated on the organization's committee: its own full members in good standing
    (the whole subtree runs to tens of thousands at city level)."""
    return search_members(actor=actor).full_in_good_standing().filter(organization=organization)


def search_members(
    *, actor: User, query: str = "", organization: Any = None, member_type: str = "", standing: str = "",
) -> QuerySet[Member]:
    """Search by name, full pinyin, pinyin initials or exact ID number, within the scope.

    Latin letters match the start of the full pinyin or of the initials ("zs" finds 张三,
    "zhangs" too); 18 characters shaped like an ID number match the keyed hash exactly.

    Shaped for 5 M members on PostgreSQL (docs/performance.md): the scope is a prefix of the
    member's own copy of its organization's path (`org_path`, kept by triggers: migration 0010),
    with no join; when the scope lies within one city (市州), the name and the Latin letters are
    looked up among the city's entries of the indexes only (see `_Scope.city`). Latin letters read
    the initials or pinyin index in display order and stop at the page's end (see
    `_latin_search`); a name matches the GIN index of its characters, pairs and triples, which
    serves the usual two-character search that trigrams cannot.
    """
    scope = _scope(actor, organization)
    base = scope.members()
    query = (query or "").strip()
    order: tuple[str, ...] = ("name_pinyin", "id")
    if query:
        if rules.looks_like_id_number(query):
            qs = base.filter(id_number_hash=crypto.lookup_hash(rules.normalize_id_text(query)))
        elif _LATIN.match(query):
            # The city's key is the whole scope when the scope is the city itself: no prefix to check.
            latin_base = Member.objects.all() if scope.prefixes == [scope.city] else base
            qs, order = _latin_search(latin_base, query.lower(), city=scope.city)
        else:
            qs = base.filter(name__contains=query)
            if connection.vendor == "postgresql":
                # The GIN index of the name's characters, pairs and triples, each also prefixed
                # with the member's city (migration 0010).
                grams = name_grams(query)
                if scope.city:
                    grams = [f"{scope.city}|{gram}" for gram in grams]
                qs = qs.alias(name_grams=Func(F("name"), F("org_path"), function="dangwu_member_grams",
                                              output_field=ArrayField(TextField()))).filter(name_grams__contains=grams)
    else:
        qs = base
    if member_type:
        qs = qs.filter(member_type=member_type)
    if standing:
        qs = qs.filter(standing=standing)
    # The organizations of the page's rows in a second query, after the LIMIT: a join here
    # would look up the organization of every match before sorting.
    return qs.prefetch_related("organization").order_by(*order)


def _latin_search(base: QuerySet[Member], key: str, *, city: str = "") -> tuple[QuerySet[Member], tuple[str, ...]]:
    """Latin letters: the start of the initials, or of the full pinyin when `key` can begin one.

    Letters that cannot begin a pinyin ("zw", "lhx") can only be initials: the matches come in
    the order of the initials index (initials, pinyin, id), so that a two-letter search that
    matches a hundred thousand members reads the first page's worth of index entries in the
    scope and stops, instead of sorting them all. Otherwise ("zhang", "li", "zh") the pinyin, in
    pinyin order — and the initials too when some member's initials start with the key and their
    pinyin does not (`_initials_add_matches`): then every match's pinyin starts with the key's
    first letter (the initials are the syllables' first letters), a bound that keeps an ordered
    scan of the pinyin index to that letter. On PostgreSQL the keys are compared collated "C",
    as the indexes of migration 0006 are, so that a prefix is a range of the index whatever the
    database's locale. With a `city` the city's twins of those indexes (migration 0010) serve.
    """
    if connection.vendor == "postgresql":
        qs = base.alias(ini=Collate(F("name_initials"), "C"), py=Collate(F("name_pinyin"), "C"))
    else:
        qs = base.alias(ini=F("name_initials"), py=F("name_pinyin"))
    if city:
        qs = qs.alias(city=Left(F("org_path"), CITY_PREFIX)).filter(city=city)
    if not rules.could_be_pinyin(key):
        return qs.filter(ini__startswith=key), ("ini", "py", "id")
    if not _initials_add_matches(key):
        return qs.filter(py__startswith=key), ("py", "id")
    first = key[0]
    qs = qs.filter(Q(py__startswith=key) | Q(ini__startswith=key), py__gte=first, py__lt=chr(ord(first) + 1))
    return qs, ("py", "id")


def _initials_add_matches(key: str) -> bool:
    """Whether some member, anywhere, has initials starting with `key` and a pinyin that does not
    ("zh": 曾华 zenghua). Usually not for a full pinyin ("wangjianguo", "li": no syllable begins
    with i, u or v): then the search is the pinyin's own narrow range of the index instead of its
    first letter's. One short read of the initials index (the whole table, so the answer does not
    depend on, or tell anything about, the caller's scope)."""
    if connection.vendor == "postgresql":
        rows = Member.objects.alias(ini=Collate(F("name_initials"), "C"), py=Collate(F("name_pinyin"), "C"))
    else:
        rows = Member.objects.alias(ini=F("name_initials"), py=F("name_pinyin"))
    return rows.filter(ini__startswith=key).exclude(py__startswith=key).order_by().exists()


# The city (市州) of a path: its first two steps (Organization.steplen 4). The name and pinyin
# indexes of migration 0010 are keyed by it.
CITY_PREFIX = 8


@dataclass
class _Scope:
    """Where a search looks: `prefixes` of `org_path` (None: the whole tree), or also the caller's
    own record (`me`, when it lies outside them); `city` when every prefix lies in one city."""

    prefixes: list[str] | None
    me: int | None = None

    @property
    def city(self) -> str:
        if self.prefixes is None or self.me is not None or not self.prefixes:
            return ""
        cities = {p[:CITY_PREFIX] for p in self.prefixes}
        if len(cities) != 1 or any(len(p) < CITY_PREFIX for p in self.prefixes):
            return ""
        return cities.pop()

    def members(self) -> QuerySet[Member]:
        if self.prefixes is None:
            return Member.objects.all()
        q = Q(pk__in=[])
        for prefix in self.prefixes:
            q |= Q(org_path__startswith=prefix)
        if self.me is not None:
            q |= Q(pk=self.me)
        return Member.objects.filter(q)


def _scope(actor: User, organization: Any = None) -> _Scope:
    """The members `visible_members` gives (and of the organization's subtree when one is given),
    as prefixes of the members' own `org_path`: no join to the organizations, no `OR pk = me`
    when the caller's own record already lies in the scope, no filter at all when the scope
    holds the whole tree."""
    paths = access.scope_paths(actor, Cap.MEMBER_VIEW)
    me = own_member(actor)
    prefixes = None if paths and _covers_every_root(paths) else list(paths)
    me_pk = None
    if me is not None and prefixes is not None and not any(me.organization.path.startswith(p) for p in prefixes):
        me_pk = me.pk
    if organization is not None:
        path = organization.path
        if prefixes is None or any(path.startswith(p) for p in prefixes):
            prefixes = [path]
        else:  # the organization holds parts of the scope, or none of it
            prefixes = [p for p in prefixes if p.startswith(path)]
        if me is not None and me_pk is not None and not me.organization.path.startswith(path):
            me_pk = None
    return _Scope(prefixes, me_pk)


def _covers_every_root(paths: list[str]) -> bool:
    """Whether the scope holds every root of the tree (the province): then it filters nothing."""
    from dangwu.orgs.models import Organization

    roots = [p for p in paths if len(p) == Organization.steplen]
    return bool(roots) and not Organization.objects.filter(depth=1).exclude(path__in=roots).exists()


@dataclass
class TimelineEvent:
    when: datetime
    who: str  # the person's name (`core.people`), "" for the system; never a login name
    kind: str  # "+" created, "~" changed
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


_HIDDEN = {"updated_at", "created_at"}
# A sensitive number as the timeline shows it: its masked copy, old → new (decision 0002). These
# fields are not editable, so simple_history's diff leaves them out: they are compared here. The
# ciphertext is written anew only when the number changes (`services.update_member`, the roster
# import), so a new ciphertext under the same mask is a change of the hidden middle digits.
_SENSITIVE = (("id_number_encrypted", "id_number_masked"), ("phone_encrypted", "phone_masked"))


def timeline(*, member: Member) -> list[TimelineEvent]:
    """Every recorded change of the member, newest first, with old and new values.

    Sensitive values are never shown here: a change of ID or phone number appears as its masked
    copies, old → new. Who made a change is named as people know them (the name on their member
    record, else their account's full name: `core.people`), never by login name. The reason is
    the one recorded with the change, as it was recorded. Three queries in all: the history,
    the names of every organization it mentions, the names of the people.
    """
    records = list(member.history.select_related("history_user").order_by("-history_date", "-history_id"))
    deltas = [record.diff_against(records[index + 1]) if index + 1 < len(records) else None
              for index, record in enumerate(records)]
    org_names = _org_names({value for delta in deltas if delta is not None for change in delta.changes
                            if change.field == "organization" for value in (change.old, change.new)})
    names = people.names_of({record.history_user for record in records if record.history_user is not None})
    events: list[TimelineEvent] = []
    for index, (record, delta) in enumerate(zip(records, deltas, strict=True)):
        who = names.get(record.history_user_id, "") if record.history_user_id else ""
        event = TimelineEvent(when=record.history_date, who=who, kind=record.history_type,
                              reason=record.history_change_reason or "")
        if delta is not None:
            for change in delta.changes:
                if change.field in _HIDDEN:
                    continue
                f = Member._meta.get_field(change.field)
                label = str(f.verbose_name)
                if change.field == "organization":
                    old, new = _org_label(org_names, change.old), _org_label(org_names, change.new)
                elif f.choices:
                    labels = dict(f.choices)
                    old, new = str(labels.get(change.old, change.old or "")), str(labels.get(change.new, change.new or ""))
                elif isinstance(change.old, bool) or isinstance(change.new, bool):
                    old, new = _yes_no(change.old), _yes_no(change.new)
                else:
                    old, new = ("" if change.old is None else str(change.old)), ("" if change.new is None else str(change.new))
                event.changes.append((label, old, new))
            before = records[index + 1]
            for encrypted, masked in _SENSITIVE:
                if getattr(before, encrypted) != getattr(record, encrypted) or \
                        getattr(before, masked) != getattr(record, masked):
                    event.changes.append(_masked_change(masked, old=getattr(before, masked),
                                                        new=getattr(record, masked)))
            if not event.changes and record.history_type == "~":
                continue
        events.append(event)
    return events


def _masked_change(masked_field: str, *, old: str, new: str) -> tuple[str, str, str]:
    """(label, old, new) of a changed ID or phone number, masked; when the masks agree (only the
    hidden digits changed), the new one says so."""
    label = str(Member._meta.get_field(masked_field).verbose_name)
    if old and new and old == new:
        new = _("%(masked)s（中间数位已更改）") % {"masked": new}
    return label, old or "", new or ""


def _yes_no(value: Any) -> str:
    return _("是") if value else _("否")


def _org_names(pks: set[Any]) -> dict[Any, str]:
    """Names of the organizations, in one query (also those since dissolved or out of scope:
    the timeline is a record of what happened)."""
    from dangwu.orgs.models import Organization

    pks = {pk for pk in pks if pk is not None}
    if not pks:
        return {}
    return dict(Organization.objects.filter(pk__in=pks).values_list("pk", "name"))


def _org_label(names: dict[Any, str], pk: Any) -> str:
    if pk is None:
        return ""
    return names.get(pk) or str(pk)


def standing_changes(*, member: Member) -> QuerySet[StandingChange]:
    return member.standing_changes.select_related("recorded_by")


# --- structure statistics (党员结构统计), read from the roll-ups ------------------------

# Bands of age and of years since joining: (key, label, lowest, highest) in whole years, both
# inclusive; None is open. 党内统计 counts both at the end of the statistical year:
# age = year − birth year, years since joining = year − year of joining.
AGE_BANDS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("30_or_less", gettext_lazy("30岁及以下"), None, 30),
    ("31_40", gettext_lazy("31—40岁"), 31, 40),
    ("41_50", gettext_lazy("41—50岁"), 41, 50),
    ("51_60", gettext_lazy("51—60岁"), 51, 60),
    ("61_70", gettext_lazy("61—70岁"), 61, 70),
    ("71_or_more", gettext_lazy("71岁及以上"), 71, None),
)
YEARS_SINCE_JOINING_BANDS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("under_5", gettext_lazy("不满5年"), None, 4),
    ("5_10", gettext_lazy("5—10年"), 5, 10),
    ("11_20", gettext_lazy("11—20年"), 11, 20),
    ("21_30", gettext_lazy("21—30年"), 21, 30),
    ("31_40", gettext_lazy("31—40年"), 31, 40),
    ("41_or_more", gettext_lazy("41年及以上"), 41, None),
)
FLAG_LABELS = {
    "outflow": gettext_lazy("流出党员"),
    "inflow": gettext_lazy("流入党员"),
    "lost_contact": gettext_lazy("失联党员"),
    "hardship": gettext_lazy("困难党员"),
}
HAN = "汉族"  # the stored text of the majority ethnicity; any other is a minority (少数民族)


def statistical_year() -> int:
    """The year statistics are counted for: ages and years since joining at its end."""
    return timezone.localdate().year


def structure_stats(*, actor: User, organization: Any) -> dict[str, Any]:
    """Structure statistics of an organization's whole subtree, from its roll-ups (one indexed query).

    PermissionDenied unless the actor may view the members there. The answer (for the API and
    for the charts): every dimension is a list of {"key", "label", "count"} in display order;
    `total` is the members in good standing, which every dimension but `standing` counts.
    """
    if not access.can(actor, Cap.MEMBER_VIEW, organization):
        raise PermissionDenied
    rows = SubtreeStat.objects.filter(organization=organization).values_list("dimension", "key", "count")
    stats = _shape(rows)
    stats["organization"] = {"id": organization.pk, "code": organization.code, "name": organization.name}
    return stats


def scope_structure_stats(*, actor: User) -> dict[str, Any] | None:
    """Structure statistics of the actor's whole member scope (for the home page): the sum of the
    roll-ups of the top organizations of the scope (disjoint subtrees). None without the capability."""
    from dangwu.orgs.models import Organization

    paths = access.scope_paths(actor, Cap.MEMBER_VIEW)
    if not paths:
        return None
    roots = list(Organization.objects.filter(path__in=paths).order_by("path").values("pk", "code", "name"))
    rows = SubtreeStat.objects.filter(organization__path__in=paths).values_list("dimension", "key", "count")
    stats = _shape(rows)
    stats["organizations_in_scope"] = [{"id": r["pk"], "code": r["code"], "name": r["name"]} for r in roots]
    return stats


def _items(counts: dict[str, int], labels: dict[str, Any], *, all_keys: bool = True) -> list[dict[str, Any]]:
    """Items in the order of `labels` (zero counts included when `all_keys`), then any other key
    with a count, by count (e.g. a value no longer among the choices, or left empty: 未填写)."""
    items = [{"key": key, "label": str(label), "count": counts.get(key, 0)}
             for key, label in labels.items() if all_keys or counts.get(key, 0)]
    others = sorted(((n, key) for key, n in counts.items() if key not in labels and n), key=lambda x: (-x[0], x[1]))
    items += [{"key": key, "label": key or _("未填写"), "count": n} for n, key in others]
    return items


def _bands(by_year: dict[str, int], bands, year: int) -> list[dict[str, Any]]:
    counts = {key: 0 for key, *_ in bands}
    unknown = 0
    for text, n in by_year.items():
        try:
            value = year - int(text)
        except ValueError:
            unknown += n
            continue
        for key, _label, low, high in bands:
            if (low is None or value >= low) and (high is None or value <= high):
                counts[key] += n
                break
    items = [{"key": key, "label": str(label), "count": counts[key]} for key, label, *_ in bands]
    if unknown:
        items.append({"key": "unknown", "label": _("未填写"), "count": unknown})
    return items


def _shape(rows) -> dict[str, Any]:
    from dangwu.orgs.models import OrgType

    by: dict[str, dict[str, int]] = {}
    for dimension, key, count in rows:
        if count:
            slot = by.setdefault(dimension, {})
            slot[key] = slot.get(key, 0) + count
    get = lambda dimension: by.get(dimension, {})  # noqa: E731
    year = statistical_year()
    ethnicity = get(rollups.ETHNICITY)
    han = ethnicity.get(HAN, 0)
    minority = sum(n for key, n in ethnicity.items() if key not in (HAN, ""))
    ethnic_groups = [{"key": "han", "label": _("汉族"), "count": han},
                     {"key": "minority", "label": _("少数民族"), "count": minority}]
    if ethnicity.get(""):
        ethnic_groups.append({"key": "unknown", "label": _("未填写"), "count": ethnicity[""]})
    org_types = get(rollups.ORG_TYPE)
    return {
        "year": year,
        "age_basis": "year_end",
        "total": sum(get(rollups.MEMBER_TYPE).values()),
        "all_standings": sum(get(rollups.STANDING).values()),
        "organizations": sum(org_types.values()),
        "member_type": _items(get(rollups.MEMBER_TYPE), dict(MemberType.choices)),
        "standing": _items(get(rollups.STANDING), dict(Standing.choices)),
        "gender": _items(get(rollups.GENDER), dict(Gender.choices)),
        "ethnicity": ethnic_groups,
        "ethnicity_each": _items(ethnicity, {}, all_keys=False),
        "age_band": _bands(get(rollups.BIRTH_YEAR), AGE_BANDS, year),
        "education": _items(get(rollups.EDUCATION), dict(Education.choices)),
        "occupation": _items(get(rollups.OCCUPATION), dict(Occupation.choices)),
        "years_since_joining": _bands(get(rollups.JOIN_YEAR), YEARS_SINCE_JOINING_BANDS, year),
        "flags": _items(get(rollups.FLAG), FLAG_LABELS),
        "org_type": _items(org_types, dict(OrgType.choices)),
    }


def visible_imports(*, actor: User) -> QuerySet:
    """Roster imports the caller may look at: their own, and those of organizations where they
    may edit members (another secretary of the branch sees the branch's imports)."""
    from .models import RosterImport

    q = Q(created_by=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.MEMBER_EDIT):
        q |= Q(organization__path__startswith=path)
    return RosterImport.objects.filter(q).select_related("organization", "created_by")


def organizations_for_import(*, actor: User, limit: int) -> list | None:
    """The organizations the caller may import into, for a drop-down; None when more than `limit`
    (a city's department reaches thousands: it types a code instead)."""
    orgs = list(org_selectors.organizations_in_scope(actor, Cap.MEMBER_EDIT).filter(dissolved_on__isnull=True)
                .order_by("path")[: limit + 1])
    return orgs if len(orgs) <= limit else None


def subtree_member_count(*, organization: Any) -> int:
    """Members of every standing in the organization's subtree, from its roll-ups (one query)."""
    from django.db.models import Sum

    total = SubtreeStat.objects.filter(organization=organization, dimension=rollups.STANDING).aggregate(n=Sum("count"))
    return total["n"] or 0


def visible_exports(*, actor: User) -> QuerySet:
    """The caller's own roster exports (only the person who asked sees an export: its file
    may hold full ID numbers), still within their scope."""
    from .models import RosterExport

    return RosterExport.objects.filter(
        created_by=actor, organization__in=org_selectors.organizations_in_scope(actor, Cap.MEMBER_VIEW)).select_related("organization")


def education_choices() -> list[tuple[str, str]]:
    """The levels of education a record may hold (学历), for other apps' forms."""
    return list(Education.choices)
