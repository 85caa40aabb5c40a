from django.urls import path

from . import proof_views, views

app_name = "dues"
urlpatterns = [
    path("", views.dues_home_view, name="home"),
    path("org/<int:pk>/", views.dues_org_view, name="org"),
    path("org/<int:pk>/assess/", views.dues_assess_view, name="assess"),
    path("org/<int:pk>/host/", views.dues_host_lookup_view, name="host_lookup"),
    path("org/<int:pk>/declarations/", views.dues_declarations_view, name="declarations"),
    path("declaration-imports/<int:pk>/", views.dues_declaration_import_view, name="declaration_import"),
    path("declaration-imports/<int:pk>/progress/", views.dues_declaration_import_progress_view,
         name="declaration_import_progress"),
    path("declaration-imports/<int:pk>/errors.xlsx", views.dues_declaration_import_errors_view,
         name="declaration_import_errors"),
    path("org/<int:pk>/report/", views.dues_report_view, name="report"),
    path("org/<int:pk>/report.xlsx", views.dues_report_export_view, name="report_export"),
    path("org/<int:pk>/statement/", views.dues_statement_view, name="statement"),
    path("runs/<int:pk>/", views.dues_run_view, name="run"),
    path("runs/<int:pk>/progress/", views.dues_run_progress_view, name="run_progress"),
    path("runs/<int:pk>/resume/", views.dues_run_resume_view, name="run_resume"),
    path("members/<int:pk>/", views.dues_member_view, name="member"),
    path("members/<int:pk>/pay/", views.dues_pay_view, name="pay"),
    path("members/<int:pk>/declare/", views.dues_declare_view, name="declare"),
    path("members/<int:pk>/reduction/", views.dues_reduction_request_view, name="reduction_request"),
    path("reductions/", views.dues_reductions_view, name="reductions"),
    path("reductions/<int:pk>/decide/", views.dues_reduction_decide_view, name="reduction_decide"),
    path("payments/<int:pk>/receipt.pdf", views.dues_receipt_view, name="receipt"),
    path("payments/<int:pk>/reverse/", views.dues_reverse_view, name="reverse"),
    # 转账凭证: a member's proof of a bank transfer, confirmed by the branch as a payment
    path("proofs/", proof_views.proofs_view, name="proofs"),
    path("proofs/new/", proof_views.proof_submit_view, name="proof_submit"),
    path("proofs/<int:pk>/", proof_views.proof_view, name="proof"),
    path("proofs/<int:pk>/file/", proof_views.proof_file_view, name="proof_file"),
]
