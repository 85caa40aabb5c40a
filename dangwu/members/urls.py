from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_search_view, name="search"),
    path("<int:pk>/", views.member_detail_view, name="detail"),
    path("<int:pk>/edit/", views.member_edit_view, name="edit"),
    path("<int:pk>/standing/", views.member_standing_view, name="standing"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal_view, name="reveal"),
    path("new/in/<int:org_pk>/", views.member_create_view, name="create"),
    path("import/", views.roster_import_view, name="import"),
    path("import/<int:pk>/", views.roster_import_status_view, name="import_status"),
    path("import/<int:pk>/progress/", views.roster_import_progress_view, name="import_progress"),
    path("import/<int:pk>/errors.xlsx", views.roster_import_errors_view, name="import_errors"),
    path("export/", views.roster_export_view, name="export"),
    path("export/<int:pk>/", views.roster_export_status_view, name="export_status"),
    path("export/<int:pk>/progress/", views.roster_export_progress_view, name="export_progress"),
    path("export/<int:pk>/download.xlsx", views.roster_export_download_view, name="export_download"),
]
