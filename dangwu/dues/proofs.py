"""What transfer proofs (转账凭证) add to a collector's to-do list (registered in `hooks`): the
proofs members handed in that wait for this person's confirmation."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap

from . import proof_selectors


def proof_todo_items(*, user: Any) -> list[TodoItem]:
    """转账凭证待确认: one item with the count of proofs waiting in the user's `dues.collect` scope."""
    if not access.has_capability(user, Cap.DUES_COLLECT):
        return []
    count = proof_selectors.waiting_proofs(actor=user).count()
    return [TodoItem(label=_("转账凭证待确认"), count=count, url=reverse("dues:proofs"), menu="dues",
                     key="dues.transfer_proofs")]
