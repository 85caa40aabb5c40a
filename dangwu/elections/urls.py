from django.urls import include, path

app_name = "elections"

urlpatterns = [
    path("evaluation/", include("dangwu.elections.evaluation_urls")),  # 民主评议党员
]
