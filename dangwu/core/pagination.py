"""Pagination that does not count a whole province to show one page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` matches.

    Counting every match of a broad list (all full members of a city: hundreds of thousands
    of rows at provincial scale) reads them all; a person pages through the first few pages.
    Past the cap the pager says "10,000+" (`display_count`) and offers cap / per_page pages.
    The API's `count` stays exact (docs/performance.md).
    """

    cap = 10_000

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        items = self.object_list
        if hasattr(items, "order_by") and hasattr(items, "values"):
            # No ordering and only the key inside the capped subquery: nothing is sorted or joined.
            n = items.order_by().values("pk")[: self.cap + 1].count()
        else:
            n = len(items[: self.cap + 1])
        self.capped = n > self.cap
        return min(n, self.cap)

    capped = False

    @property
    def display_count(self) -> str:
        count = self.count
        return f"{count:,}+" if self.capped else str(count)
