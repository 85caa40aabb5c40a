"""The card "我的党员档案" of a member's home page (registered in `hooks`): their organization,
their ID number masked with the audited "显示完整身份证号", and a transfer of their membership
(组织关系转接) on its way, if any."""

from __future__ import annotations

from typing import Any

from . import selectors


def own_record_card(*, request: Any) -> dict[str, Any] | None:
    """The card's context, or None for a person without a member record of their own."""
    member = selectors.own_member(request.user)
    if member is None:
        return None
    return {"own_member": member, "own_transfer": member.transfers.filter(status="pending").first()}
