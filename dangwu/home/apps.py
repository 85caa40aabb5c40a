from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top floor that people land on: the home page, the main menu, the to-do list.

    It only reads core's registries (decision 0015): the cards, menu entries, shortcuts and
    to-do items come from the apps that registered them, so a new app appears here without an
    edit to this one.
    """

    name = "dangwu.home"
    label = "home"
    verbose_name = _("首页")

    def ready(self) -> None:
        from django.urls import reverse

        from dangwu.core import registries

        registries.menu.register(registries.MenuEntry(
            key="home", label=_("首页"), icon="house", url=lambda *, user: reverse("home:home"), order=0))
        registries.shortcuts.register(registries.Shortcut(
            key="api_docs", order=900,
            links=lambda *, user: [registries.Link(_("接口文档（API）"), "/api/docs/", "braces", "api_docs")],
        ))
