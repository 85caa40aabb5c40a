from django.urls import path

from . import evaluation_views as views

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_id>/", views.org, name="org"),
    path("org/<int:org_id>/open/", views.open_evaluation, name="open"),
    path("<int:evaluation_id>/", views.detail, name="detail"),
    path("<int:evaluation_id>/self/", views.self_assessment, name="self"),
    path("<int:evaluation_id>/rate/", views.rate, name="rate"),
    path("<int:evaluation_id>/advance/", views.advance, name="advance"),
    path("<int:evaluation_id>/decide/", views.decide, name="decide"),
    path("<int:evaluation_id>/publicity-end/", views.end_publicity, name="publicity_end"),
    path("entries/<int:entry_id>/propose/", views.propose, name="propose"),
    path("entries/<int:entry_id>/approve/", views.approve, name="approve"),
    path("entries/<int:entry_id>/revise/", views.revise, name="revise"),
    path("entries/<int:entry_id>/measure/", views.measure, name="measure"),
]
