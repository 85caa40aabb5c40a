from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree_view, name="tree"),
    path("terms/", views.terms_view, name="terms"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/children/", views.children_view, name="children"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/appoint/", views.appoint_view, name="appoint"),
    path("<int:parent_pk>/new/", views.create_view, name="create"),
]
