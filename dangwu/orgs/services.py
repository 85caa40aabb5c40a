"""Every write to the organization tree: one transaction and one audit entry each."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit, dates, registries
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap

from . import rules
from .models import MEMBER_HOLDING_TYPES, AuditAction, CommitteePosition, Organization, OrgType, Post

EDITABLE_FIELDS = [
    "name", "org_type", "unit_name", "unit_category", "region_code", "founded_on", "dissolved_on",
    "contact_phone", "address",
]

def _check(org: Organization, parent: Organization | None, *, before: Organization | None = None) -> None:
    """Validate an organization about to be created (`before` is None) or changed; raise
    ValidationError keyed by field. `parent` is locked by the caller where it matters."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if org.founded_on and org.founded_on > today:
        errors["founded_on"] = [_("成立日期不能晚于今天")]
    if org.founded_on and org.dissolved_on and org.dissolved_on < org.founded_on:
        errors["dissolved_on"] = [_("撤销日期不能早于成立日期")]
    if before is None and parent is not None and parent.dissolved_on is not None:
        errors.setdefault("parent", []).append(_("上级党组织已撤销，不能在其下设立党组织"))
    if before is not None:
        children = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
    if org.org_type in OrgType.values and (before is None or org.org_type != before.org_type):
        # where it stands, what stands under it and whose relations it keeps: checked when it is
        # founded and when its type changes (a name or an address changes nothing of that)
        counts = registries.member_counts(organization=org) if before is not None else None
        for field, messages in rules.placement_problems(
            org_type=org.org_type, parent_type=parent.org_type if parent is not None else None,
            child_types=set(children.values_list("org_type", flat=True)) if before is not None else (),
            members=(counts or {}).get("all", 0), keeps_members=org.org_type in MEMBER_HOLDING_TYPES,
        ).items():
            errors.setdefault(field, []).extend(messages)
    if before is not None:
        if org.dissolved_on is not None and before.dissolved_on is None and "dissolved_on" not in errors:
            if children.filter(dissolved_on__isnull=True).exists():
                errors["dissolved_on"] = [_("该党组织还有未撤销的下级组织，请先撤销或调整下级组织")]
            elif problems := registries.dissolve_problems(organization=org):  # members, and what apps add
                errors["dissolved_on"] = problems
    try:
        org.full_clean(exclude=["path", "depth", "numchild"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _apply(org: Organization, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"code"}
    if unknown:
        raise ValidationError({name: [_("不能修改此字段")] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(org, name, value.strip() if isinstance(value, str) else value)


@audited(AuditAction.ORG_CREATE)
def create_organization(*, actor: User, parent: Organization, fields: dict[str, Any], origin: Origin | None = None) -> Organization:
    """Found an organization under a parent in the actor's scope."""
    access.require(actor, Cap.ORG_EDIT, parent)
    # treebeard's add_child re-reads and locks the parent itself; this locked read is for the
    # checks: the parent's type and whether it is dissolved, as they are now (dissolving it
    # locks the same row, so the two wait for each other).
    parent = Organization.objects.select_for_update().get(pk=parent.pk)
    org = Organization()
    _apply(org, fields)
    _check(org, parent)
    org._history_user = actor  # type: ignore[attr-defined]
    org = Organization.objects.add_child(parent, instance=org)
    registries.organizations_changed(before=[None], after=[org])
    audit.record(actor=actor, action=AuditAction.ORG_CREATE, target=org, organization=org,
                 summary={"code": org.code, "name": org.name, "parent": parent.code}, origin=origin)
    return org


@audited(AuditAction.ORG_UPDATE, noop_allowed=True)
def update_organization(*, actor: User, organization: Organization, fields: dict[str, Any], origin: Origin | None = None) -> Organization:
    access.require(actor, Cap.ORG_EDIT, organization)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    stored = copy.copy(org)  # as it is now, for the checks of a change of type or dissolution
    before = {name: getattr(org, name, None) for name in fields}  # unknown names are refused by _apply
    _apply(org, {k: v for k, v in fields.items() if k != "code"})
    if org.is_root() and not access.can(actor, Cap.ORG_EDIT_ROOT, org):
        # the top of the tree names the whole platform's province: not renamed by whoever edits it
        renamed = {n: [_("最高一级党组织的名称和类别只能由系统管理员修改")]
                   for n in ("name", "org_type") if getattr(org, n) != getattr(stored, n)}
        if renamed:
            raise ValidationError(renamed)
    _check(org, Organization.objects.get_parent(org), before=stored)
    changed = sorted(name for name in fields if name != "code" and getattr(org, name) != before[name])
    if not changed:
        return org
    org._history_user = actor  # type: ignore[attr-defined]
    org.save()
    registries.organizations_changed(before=[stored], after=[org])
    audit.record(actor=actor, action=AuditAction.ORG_UPDATE, target=org, organization=org,
                 summary={"changes": {n: [str(before[n] or ""), str(getattr(org, n) or "")] for n in changed}},
                 origin=origin)
    return org


# The earliest and latest term a committee seat may start: the Party's founding, and a year ahead.
EARLIEST_TERM_START = date(1921, 7, 1)


def _term_start_error(term_start: date | None, organization: Organization, today: date) -> str | None:
    if term_start is None:
        return _("请填写任期开始日期")
    if term_start < EARLIEST_TERM_START:
        return _("任期开始日期不能早于1921年7月1日")
    if organization.founded_on and term_start < organization.founded_on:
        return _("任期开始日期不能早于党组织成立日期（%(d)s）") % {"d": organization.founded_on.isoformat()}
    if term_start > dates.add_years(today, 1):
        return _("任期开始日期不能晚于一年之后")
    return None


def _active_positions(organization: Organization):
    """The organization's seats not yet left (ended_on empty), the current and the expired alike."""
    return CommitteePosition.objects.filter(organization=organization, ended_on__isnull=True)


@audited(AuditAction.ORG_APPOINT)
def appoint_committee_member(
    *, actor: User, organization: Organization, member: Any, post: str, term_start: date,
    term_end: date | None = None, origin: Origin | None = None,
) -> CommitteePosition:
    """Seat a member on the committee for a term (支委会 3 years; village and community 5).

    A member holds a post once at a time, and an organization has one secretary (书记) at a
    time: a secretary whose term ended by the new term's start is recorded as having left
    (ended_on = the end of their term); one still serving is a refusal.
    """
    access.require(actor, Cap.ORG_EDIT, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)  # appointments line up
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not member.organization.path.startswith(organization.path):
        errors["member"] = [_("只能任命本组织的党员")]
    elif not member.full_in_good_standing:
        errors["member"] = [_("委员应为党籍正常的正式党员")]
    problem = _term_start_error(term_start, organization, today)
    if problem:
        errors["term_start"] = [problem]
        end = None
    else:
        end = term_end or rules.term_end(term_start, organization.unit_category)
        if end <= term_start:
            errors["term_end"] = [_("任期届满日期应晚于任期开始日期")]
    if post not in Post.values:
        errors["post"] = [_("请选择有效的职务")]
    succeeded: list[CommitteePosition] = []
    if not errors:
        assert end is not None
        active = _active_positions(organization)
        overlapping = active.filter(term_start__lt=end, term_end__gt=term_start)
        if overlapping.filter(member=member, post=post).exists():
            errors["member"] = [_("该党员已担任此职务，任期与本次任命重叠")]
        elif post == Post.SECRETARY:
            serving = active.filter(post=Post.SECRETARY).select_related("member").first()
            if serving is not None and serving.term_end > min(term_start, today):
                errors["post"] = [_("本组织已有在任书记（%(name)s，任期至%(d)s），同一时间只能有一名书记") % {
                    "name": serving.member.name, "d": serving.term_end.isoformat()}]
            elif serving is not None:
                succeeded.append(serving)
    if errors:
        raise ValidationError(errors)
    assert end is not None
    for old in succeeded:
        old.ended_on = old.term_end
        old._history_user = actor  # type: ignore[attr-defined]
        old.save(update_fields=["ended_on"])
    position = CommitteePosition(organization=organization, member=member, post=post, term_start=term_start, term_end=end)
    position._history_user = actor  # type: ignore[attr-defined]
    position.full_clean()
    try:
        with transaction.atomic():
            position.save()
    except IntegrityError:
        # Two appointments of a secretary racing past the check above: the partial unique index decides.
        if post == Post.SECRETARY and _active_positions(organization).filter(post=Post.SECRETARY).exists():
            raise ValidationError({"post": [_("本组织已有在任书记，同一时间只能有一名书记")]}) from None
        raise
    # Whether a committee serves is part of the organization (orglife keeps which branches owe 支委会).
    registries.organizations_changed(before=[organization], after=[organization])
    summary: dict[str, Any] = {"member": member.pk, "post": post, "term": [term_start.isoformat(), end.isoformat()]}
    if succeeded:
        summary["succeeds"] = [old.pk for old in succeeded]
    audit.record(actor=actor, action=AuditAction.ORG_APPOINT, target=position, organization=organization,
                 summary=summary, origin=origin)
    return position
