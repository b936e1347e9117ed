"""Workspace: history (every change with who, when and what; restore a version; restore a deletion)."""

from django.shortcuts import render
from django.urls import path

from .base import workspace_page


@workspace_page
def todo(request, **kwargs):  # replaced by the real pages
    return render(request, "workspace/dashboard.html", {})


urlpatterns = [
    path("incidents/<slug:slug>/history/", todo, name="incident-history"),
    path("history/<str:kind>/<int:pk>/", todo, name="record-history"),
    path("history/deleted/", todo, name="deleted-records"),
]
