from django.urls import include, path

urlpatterns: list = [
    path("v1/", include("disclosure.api.metrics_urls")),
]
