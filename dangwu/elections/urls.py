from django.urls import include, path

from . import views

app_name = "elections"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_id>/new/", views.create, name="create"),
    path("<int:election_id>/", views.detail, name="detail"),
    path("<int:election_id>/candidates/", views.candidates, name="candidates"),
    path("<int:election_id>/open/", views.open_round, name="open_round"),
    path("rounds/<int:round_id>/", views.round_page, name="round"),
    path("rounds/<int:round_id>/vote/", views.vote, name="vote"),
    path("rounds/<int:round_id>/close/", views.close, name="close"),
    path("rounds/<int:round_id>/paper/", views.paper, name="paper"),
    path("rounds/<int:round_id>/publish/", views.publish, name="publish"),
    path("rounds/<int:round_id>/round.json", views.download, name="download"),
    path("evaluation/", include("dangwu.elections.evaluation_urls")),  # 民主评议党员
]
