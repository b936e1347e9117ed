"""Workspace: long work (bundle imports, metric recomputes) run as Celery tasks, with progress."""

from django.shortcuts import render
from django.urls import path

from .base import workspace_page


@workspace_page
def jobs(request):
    return render(request, "workspace/jobs/jobs.html", {})


urlpatterns = [
    path("jobs/", jobs, name="jobs"),
]
