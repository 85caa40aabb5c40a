from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("apply/", views.apply_view, name="apply"),
    path("apply/branches/", views.branch_search_view, name="branches"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("register/in/<int:org_pk>/", views.register_view, name="register"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/step/<str:code>/", views.step_view, name="step"),
    path("<int:pk>/sponsors/", views.sponsors_view, name="sponsors"),
    path("sponsors/<int:pk>/remove/", views.sponsor_remove_view, name="sponsor_remove"),
    path("<int:pk>/documents/new/", views.document_add_view, name="document_add"),
    path("documents/<int:pk>/", views.document_view, name="document"),
    path("<int:pk>/documents/<str:kind>.docx", views.paperwork_view, name="paperwork"),
    path("<int:pk>/extend/", views.extend_view, name="extend"),
    path("<int:pk>/cancel/", views.cancel_view, name="cancel"),
    path("import/in/<int:org_pk>/", views.import_view, name="import"),
    path("<int:pk>/publicity/", views.publicity_view, name="publicity"),
    path("thought-reports/", views.my_reports_view, name="my_reports"),
    path("<int:pk>/thought-reports/", views.candidate_reports_view, name="reports"),
    path("thought-reports/<int:pk>/comment/", views.report_comment_view, name="report_comment"),
    path("thought-reports/files/<int:pk>/", views.report_attachment_view, name="report_attachment"),
]
