from django.urls import path

from . import views

app_name = "disclosure"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident-detail"),
    path("organisations/<slug:slug>/", views.organization_detail, name="organization-detail"),
]
