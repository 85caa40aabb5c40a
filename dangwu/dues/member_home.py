"""The card "我的党费" of a person's home page (registered in `hooks`): what concerns a member of
their dues now — the months owed with their total, or 已交清; the last payment with its receipt;
the transfer proofs waiting for the branch and those it sent back, with the reason."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import proof_selectors


def own_dues_card(*, request: Any) -> dict[str, Any] | None:
    """The card's context, or None for a person without a member record of their own."""
    dues = proof_selectors.own_dues(actor=request.user, today=timezone.localdate())
    if dues is None:
        return None
    return {"dues": dues}
