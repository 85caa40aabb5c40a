from django.urls import path

from . import views
from .transfers import views as tv

app_name = "members"
urlpatterns = [
    path("", views.member_search_view, name="search"),
    path("<int:pk>/", views.member_detail_view, name="detail"),
    path("<int:pk>/edit/", views.member_edit_view, name="edit"),
    path("<int:pk>/standing/", views.member_standing_view, name="standing"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal_view, name="reveal"),
    path("new/in/<int:org_pk>/", views.member_create_view, name="create"),
    path("import/", views.roster_import_view, name="import"),
    path("import/template.xlsx", views.roster_import_template_view, name="import_template"),
    path("import/<int:pk>/", views.roster_import_status_view, name="import_status"),
    path("import/<int:pk>/import/", views.roster_import_checked_view, name="import_checked"),
    path("import/<int:pk>/discard/", views.roster_import_discard_view, name="import_discard"),
    path("import/<int:pk>/cancel/", views.roster_import_cancel_view, name="import_cancel"),
    path("import/<int:pk>/progress/", views.roster_import_progress_view, name="import_progress"),
    path("import/<int:pk>/errors.xlsx", views.roster_import_errors_view, name="import_errors"),
    path("export/", views.roster_export_view, name="export"),
    path("export/<int:pk>/", views.roster_export_status_view, name="export_status"),
    path("export/<int:pk>/progress/", views.roster_export_progress_view, name="export_progress"),
    path("export/<int:pk>/download.xlsx", views.roster_export_download_view, name="export_download"),
    # 组织关系转接
    path("transfers/in/<int:org_pk>/", tv.transfers_view, name="transfers"),
    path("transfers/in/<int:org_pk>/register/", tv.transfer_register_view, name="transfer_register"),
    path("<int:pk>/transfer/", tv.transfer_start_view, name="transfer_start"),
    path("transfers/receivers/", tv.transfer_receivers_view, name="transfer_receivers"),
    path("transfers/<int:pk>/accept/", tv.transfer_accept_view, name="transfer_accept"),
    path("transfers/<int:pk>/reject/", tv.transfer_reject_view, name="transfer_reject"),
    path("transfers/<int:pk>/receipt/", tv.transfer_receipt_view, name="transfer_receipt"),
    path("transfers/<int:pk>/reissue/", tv.transfer_reissue_view, name="transfer_reissue"),
    path("transfers/<int:pk>/letter.pdf", tv.transfer_letter_view, name="transfer_letter"),
    # 流动党员
    path("mobility/in/<int:org_pk>/", tv.mobility_view, name="mobility"),
    path("<int:pk>/outflow/", tv.outflow_start_view, name="outflow_start"),
    path("mobility/<int:pk>/certificate/", tv.outflow_certificate_view, name="outflow_certificate"),
    path("mobility/<int:pk>/participation/", tv.outflow_participation_view, name="outflow_participation"),
    path("mobility/<int:pk>/report/", tv.outflow_report_view, name="outflow_report"),
    path("mobility/<int:pk>/return/", tv.outflow_return_view, name="outflow_return"),
]
