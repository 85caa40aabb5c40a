"""Helpers for the pages' forms, shared by every app's views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form that called it.

    A message keyed by one of the form's fields goes beside that field; the rest (a model
    field the form does not show, or an error without a field) goes on top of the form.
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def style_widgets(form: forms.BaseForm) -> None:
    """Give each field's widget Bootstrap's class (form-select for a choice, form-control
    otherwise; checkboxes and radio buttons keep theirs)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
