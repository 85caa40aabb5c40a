"""The home page: a greeting with the person's roles, then whatever the apps registered."""

from __future__ import annotations

from django.shortcuts import render

from dangwu.core import access, registries
from dangwu.core import selectors as core_selectors

from . import selectors


@access.page()
def home_view(request):
    user = request.user
    cards = []
    for card in registries.home_cards:
        context = card.context(request=request)
        if context is not None:
            cards.append({"card": card, "context": context})
    links = [link for shortcut in registries.shortcuts for link in shortcut.links(user=user)]
    return render(request, "home/home.html", {
        "assignments": core_selectors.my_assignments(user=user),
        "membership": registries.membership(user=user),
        "wide_cards": [c for c in cards if c["card"].wide],
        "half_cards": [c for c in cards if not c["card"].wide],
        "shortcuts": links,
        "todo": selectors.todo_of(request),
        "show_todo": selectors.expects_todo(user),
    })
