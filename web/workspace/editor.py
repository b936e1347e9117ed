"""Workspace: the incident editor (incident, participants, exposed data, sources, citations)."""

from django.shortcuts import render
from django.urls import path

from .base import workspace_page


@workspace_page
def incident_new(request):
    return render(request, "workspace/editor/incident_form.html", {})


urlpatterns = [
    path("incidents/new/", incident_new, name="incident-new"),
    path("incidents/<slug:slug>/", incident_new, name="incident-edit"),
]
