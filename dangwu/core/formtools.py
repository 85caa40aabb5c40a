"""Helpers for the pages' forms, shared by every app's views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from .audit import origin_of


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form that called it.

    A message keyed by one of the form's fields goes beside that field; the rest (a model
    field the form does not show, or an error without a field) goes on top of the form.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, texts in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in texts:
            form.add_error(target, message)


def style_widgets(form: forms.BaseForm) -> None:
    """Give each field's widget Bootstrap's class (form-select for a choice, form-control
    otherwise; checkboxes and radio buttons keep theirs)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


def call_for_form(request: Any, form: forms.BaseForm, service: Callable[..., Any], success: str = "",
                  **arguments: Any) -> Any:
    """Call one service for a page's form, with the caller and the request's origin: its result, with
    `success` shown (when given); None when it refused the input, its messages then beside the form's
    fields (`apply_service_errors`)."""
    try:
        result = service(actor=request.user, origin=origin_of(request), **arguments)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    if success:
        messages.success(request, success)
    return result


def call_for_button(request: Any, service: Callable[..., Any], success: str, *, name: str = "",
                    describe: Callable[[ValidationError], str] | None = None, **arguments: Any) -> bool:
    """Call one service of a button (no form to show again): True when it did its work (`success`
    shown); False when it refused, its refusal then an error message (`describe`d, else its messages
    joined; after `name` when given)."""
    try:
        service(actor=request.user, origin=origin_of(request), **arguments)
    except ValidationError as exc:
        text = describe(exc) if describe is not None else " ".join(exc.messages)
        messages.error(request, f"{name}: {text}" if name else text)
        return False
    messages.success(request, success)
    return True
