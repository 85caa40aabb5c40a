"""Pagination that does not count a whole province to show one page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


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


class ApiPageNumberPagination(PageNumberPagination):
    """The API's pages (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS): `?page=` is a whole number from 1,
    as the schema says. DRF took an empty `page` for the first page and answered "abc" with a 404;
    both are bad input (400, naming `page`). A page past the last stays DRF's 404."""

    last_page_strings = ()

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: [_("页码应为从 1 开始的整数")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
