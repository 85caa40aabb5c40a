"""Every write to the organization tree: one transaction and one audit entry each."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.roles import Cap

from . import rules
from .models import CommitteePosition, Organization, OrgType

EDITABLE_FIELDS = [
    "name", "org_type", "unit_name", "unit_category", "region_code", "founded_on", "dissolved_on",
    "contact_phone", "address",
]

# A group (党小组) sits under a branch; nothing sits under a group.
_LEAF_TYPES = {OrgType.GROUP}


def _check(org: Organization, parent: Organization | None) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if org.founded_on and org.founded_on > today:
        errors["founded_on"] = [_("成立日期不能晚于今天")]
    if org.founded_on and org.dissolved_on and org.dissolved_on < org.founded_on:
        errors["dissolved_on"] = [_("撤销日期不能早于成立日期")]
    if parent is not None and parent.org_type in _LEAF_TYPES:
        errors["parent"] = [_("党小组下不能再设党组织")]
    if org.org_type == OrgType.GROUP and parent is not None and not parent.is_branch:
        errors.setdefault("org_type", []).append(_("党小组应设在党支部之下"))
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


@transaction.atomic
def create_organization(*, actor: Any, parent: Organization, fields: dict[str, Any], request: Any = None) -> Organization:
    """Found an organization under a parent in the actor's scope."""
    access.require(actor, Cap.ORG_EDIT, parent)
    parent = Organization.objects.get(pk=parent.pk)  # fresh path/numchild for treebeard
    org = Organization()
    _apply(org, fields)
    _check(org, parent)
    org._history_user = actor  # type: ignore[attr-defined]
    org = Organization.objects.add_child(parent, instance=org)
    audit.record(actor=actor, action="org.create", target=org, organization=org,
                 summary={"code": org.code, "name": org.name, "parent": parent.code}, request=request)
    return org


@transaction.atomic
def update_organization(*, actor: Any, organization: Organization, fields: dict[str, Any], request: Any = None) -> Organization:
    access.require(actor, Cap.ORG_EDIT, organization)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    before = {name: getattr(org, name, None) for name in fields}  # unknown names are refused by _apply
    _apply(org, {k: v for k, v in fields.items() if k != "code"})
    _check(org, Organization.objects.get_parent(org))
    changed = sorted(name for name in fields if name != "code" and getattr(org, name) != before[name])
    if not changed:
        return org
    org._history_user = actor  # type: ignore[attr-defined]
    org.save()
    audit.record(actor=actor, action="org.update", target=org, organization=org,
                 summary={"changes": {n: [str(before[n] or ""), str(getattr(org, n) or "")] for n in changed}},
                 request=request)
    return org


@transaction.atomic
def appoint_committee_member(
    *, actor: Any, organization: Organization, member: Any, post: str, term_start: date,
    term_end: date | None = None, request: Any = None,
) -> CommitteePosition:
    """Seat a member on the committee for a term (支委会 3 years; village and community 5)."""
    access.require(actor, Cap.ORG_EDIT, organization)
    errors: dict[str, list[str]] = {}
    if member.organization_id != organization.pk and not member.organization.path.startswith(organization.path):
        errors["member"] = [_("只能任命本组织的党员")]
    elif member.member_type != "full" or member.standing != "normal":
        errors["member"] = [_("委员应为党籍正常的正式党员")]
    end = term_end or rules.term_end(term_start, organization.unit_category)
    if end <= term_start:
        errors["term_end"] = [_("任期届满日期应晚于任期开始日期")]
    if errors:
        raise ValidationError(errors)
    position = CommitteePosition(organization=organization, member=member, post=post, term_start=term_start, term_end=end)
    position.full_clean()
    position.save()
    audit.record(actor=actor, action="org.appoint", target=position, organization=organization,
                 summary={"member": member.pk, "post": post, "term": [term_start.isoformat(), end.isoformat()]},
                 request=request)
    return position
