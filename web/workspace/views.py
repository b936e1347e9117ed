"""Workspace: the dashboard, the preview and the publishing workflow."""

from django.shortcuts import render
from django.urls import path

from .base import workspace_page


@workspace_page
def dashboard(request):
    return render(request, "workspace/dashboard.html", {})


@workspace_page
def todo(request, **kwargs):  # replaced by the real pages
    return render(request, "workspace/dashboard.html", {})


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("incidents/<slug:slug>/preview/", todo, name="incident-preview"),
    path("incidents/<slug:slug>/publish/", todo, name="incident-publish"),
    path("incidents/<slug:slug>/retract/", todo, name="incident-retract"),
    path("incidents/<slug:slug>/corrections/", todo, name="incident-correction"),
]
