"""Reads of member records, already limited to the caller's scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from dangwu.core import access, crypto
from dangwu.core.roles import Cap

from . import rules
from .models import Member, Standing, StandingChange

_LATIN = re.compile(r"^[A-Za-z]+$")


def visible_members(*, actor: Any) -> QuerySet[Member]:
    return access.members(actor, Cap.MEMBER_VIEW)


def search_members(
    *, actor: Any, query: str = "", organization: Any = None, member_type: str = "", standing: str = "",
) -> QuerySet[Member]:
    """Search by name, full pinyin, pinyin initials or exact ID number, within the scope.

    Latin letters match the start of the full pinyin or of the initials ("zs" finds 张三,
    "zhangs" too); 18 characters shaped like an ID number match the keyed hash exactly.
    """
    qs = visible_members(actor=actor).select_related("organization")
    query = (query or "").strip()
    if query:
        if rules.looks_like_id_number(query):
            qs = qs.filter(id_number_hash=crypto.lookup_hash(rules.normalize_id_text(query)))
        elif _LATIN.match(query):
            key = query.lower()
            qs = qs.filter(Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key))
        else:
            qs = qs.filter(name__contains=query)
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    if member_type:
        qs = qs.filter(member_type=member_type)
    if standing:
        qs = qs.filter(standing=standing)
    return qs.order_by("name_pinyin", "id")


def counts_by_type(*, actor: Any) -> dict[str, int]:
    """Members of the scope in good standing, by type (for the home page)."""
    row = visible_members(actor=actor).filter(standing=Standing.NORMAL).aggregate(
        full=Count("id", filter=Q(member_type="full")),
        probationary=Count("id", filter=Q(member_type="probationary")),
        outflow=Count("id", filter=Q(is_outflow=True)),
        lost=Count("id", filter=Q(lost_contact=True)),
    )
    row["all"] = row["full"] + row["probationary"]
    return row


@dataclass
class TimelineEvent:
    when: datetime
    who: str
    kind: str  # "+" created, "~" changed
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


_HIDDEN = {"id_number_encrypted", "phone_encrypted", "updated_at", "created_at"}


def timeline(*, member: Member) -> list[TimelineEvent]:
    """Every recorded change of the member, newest first, with old and new values.

    Sensitive values are never shown here: a change of ID or phone number appears as masked.
    The reason is the one recorded with the change, as it was recorded. Two queries in all:
    the history, and the names of every organization it mentions.
    """
    records = list(member.history.select_related("history_user").order_by("-history_date", "-history_id"))
    deltas = [record.diff_against(records[index + 1]) if index + 1 < len(records) else None
              for index, record in enumerate(records)]
    org_names = _org_names({value for delta in deltas if delta is not None for change in delta.changes
                            if change.field == "organization" for value in (change.old, change.new)})
    events: list[TimelineEvent] = []
    for record, delta in zip(records, deltas, strict=True):
        who = record.history_user.get_username() if record.history_user else ""
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
            if not event.changes and record.history_type == "~":
                continue
        events.append(event)
    return events


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
