"""Reads of transfers (组织关系转接) for their pages and the API, already filtered to the caller's scope,
and the number series of the committees that issue letters and certificates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Transfer

from . import rules


def visible_transfers(*, actor: User) -> QuerySet[Transfer]:
    """Transfers the caller may see: sent from or addressed to an organization where they hold
    `member.transfer` (the receiving side sees the letter's details, not yet the member's record)."""
    paths = access.scope_paths(actor, Cap.MEMBER_TRANSFER)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(from_organization__path__startswith=path) | Q(to_organization__path__startswith=path)
    return Transfer.objects.filter(q).select_related("from_organization", "to_organization", "member")


def transfers_of(*, actor: User, organization: Any) -> list[dict[str, Any]]:
    """The transfers of one organization (its whole subtree), each with its state seen from there:
    outgoing, incoming, done, rejected or expired."""
    today = timezone.localdate()
    qs = visible_transfers(actor=actor).filter(
        Q(from_organization__path__startswith=organization.path)
        | Q(to_organization__path__startswith=organization.path)).order_by("-issued_on", "-id")[:500]
    rows = []
    qs = list(qs)
    openable = member_selectors.openable_member_ids(actor=actor, member_ids=[t.member_id for t in qs])
    for transfer in qs:
        incoming = transfer.to_organization is not None and transfer.to_organization.path.startswith(
            organization.path) and not (transfer.from_organization is not None
                                        and transfer.from_organization.path.startswith(organization.path))
        state = rules.transfer_state(status=transfer.status, valid_until=transfer.valid_until, on=today,
                                     incoming=incoming)
        sender = transfer.from_organization is not None and access.can(actor, Cap.MEMBER_TRANSFER,
                                                                       transfer.from_organization)
        rows.append({"transfer": transfer, "state": state.key, "incoming": incoming,
                     # the name links to the record while the caller may open it: the sender's until
                     # the receiver accepts, the receiver's from then on (members.selectors)
                     "linkable": transfer.member_id in openable,
                     "can_receive": (transfer.kind == Transfer.Kind.INTERNAL and transfer.status == "pending"
                                     and access.can(actor, Cap.MEMBER_TRANSFER, transfer.to_organization)),
                     "can_send": transfer.status == "pending" and sender})
    return rows


def waiting_at(*, actor: User, organization: Any) -> dict[str, int]:
    """What waits at an organization (its whole subtree) in one COUNT query over the pending
    transfers (few, on the indexes by organization and status), as its transfers page groups them
    (`transfers_of`): "to_accept", letters from outside the subtree to accept or send back
    (the page's "incoming"), and "to_reissue", letters it sent that expired unaccepted (the
    page's "expired" ones it sent, `rules.is_expired`)."""
    if not access.can(actor, Cap.MEMBER_TRANSFER, organization):
        return {"to_accept": 0, "to_reissue": 0}
    today = timezone.localdate()
    inside_to = Q(to_organization__path__startswith=organization.path)
    inside_from = Q(from_organization__path__startswith=organization.path)
    valid = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    return (Transfer.objects.filter(inside_to | inside_from, status=Transfer.Status.PENDING)
            .aggregate(to_accept=Count("id", filter=inside_to & ~inside_from & valid & Q(kind=Transfer.Kind.INTERNAL)),
                       to_reissue=Count("id", filter=inside_from & Q(valid_until__lt=today))))


# --- the number series of letters and certificates ------------------------------------------

def sending_committee(organization: Any) -> Any:
    """The committee that numbers an organization's letters: the organization itself unless it is
    a branch (党支部) or a party group, else its nearest ancestor that is not."""
    from dangwu.orgs.models import BRANCH_TYPES, OrgType

    numbered_by_parent = set(BRANCH_TYPES) | {OrgType.GROUP}
    org = organization
    while org.org_type in numbered_by_parent:
        parent = type(org).objects.get_parent(org) if org.depth > 1 else None
        if parent is None:
            break
        org = parent
    return org


def next_number(organization: Any, on: date, *, field: str, make: Any, model: Any) -> str:
    """The next number of the sending committee's series for the year: one more than the highest
    (letters of introduction in `services`, mobile members' certificates in `mobility_services`).

    A read that the writing service makes inside its transaction: the committee's row is locked
    (SELECT … FOR UPDATE) so that two numbers of one committee taken at once line up."""
    committee = sending_committee(organization)
    # Locked: two letters of one committee started at once line up here.
    type(committee).objects.select_for_update().filter(pk=committee.pk).first()
    prefix = make(committee_code=committee.code, year=on.year, sequence=0)[:-4]
    highest = 0
    for number in model.objects.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True):
        tail = number[len(prefix):]
        if re.fullmatch(r"\d+", tail):
            highest = max(highest, int(tail))
    return make(committee_code=committee.code, year=on.year, sequence=highest + 1)
