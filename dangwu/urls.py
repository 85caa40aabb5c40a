"""Every route of the platform. Each view is guarded by `dangwu.core.access` (pages by
`access.page`, API views by `access.CapabilityPermission`); the permission test walks
this list and fails on a route it does not cover."""

from django.urls import include, path

from dangwu.core import views as core_views

urlpatterns = [
    path("", include("dangwu.home.urls")),
    path("", include("dangwu.core.urls")),
    path("orgs/", include("dangwu.orgs.urls")),
    path("members/", include("dangwu.members.urls")),
    path("dues/", include("dangwu.dues.urls")),
    path("development/", include("dangwu.development.urls")),
    path("orglife/", include("dangwu.orglife.urls")),
    path("elections/", include("dangwu.elections.urls")),
    path("api/", include("dangwu.api_urls")),
]

handler400 = core_views.bad_request_view
handler403 = core_views.forbidden_view
handler404 = core_views.not_found_view
handler500 = core_views.server_error_view
