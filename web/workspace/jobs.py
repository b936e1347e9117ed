"""Workspace: long work (bundle imports, metric recomputes) run as Celery tasks, with progress.

A job's page shows a progress bar that htmx refreshes every second while the job
runs (the partial stops asking once it is done); without JavaScript the page
refreshes itself every two seconds while the job runs, then shows the summary.
"""

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from interchange.bundle import BundleError, load_document
from interchange.models import ImportJob
from interchange.tasks import import_bundle_job
from metrics.models import RecomputeRun
from metrics.receivers import enqueue
from metrics.tasks import recompute_all_metrics

from .base import workspace_page

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
RECENT = 10


def _jobs_page(request, *, upload_error="", status=200):
    context = {
        "imports": ImportJob.objects.select_related("created_by").defer("document")[:RECENT],
        "runs": RecomputeRun.objects.all()[:RECENT],
        "upload_error": upload_error,
        "may_replace": request.ws_role == "admin",
    }
    return render(request, "workspace/jobs/jobs.html", context, status=status)


@workspace_page
def jobs(request):
    """Start an import or a recompute; the latest of each with their state."""
    return _jobs_page(request)


def _read_upload(upload):
    """The uploaded bundle as parsed JSON, or raise ValueError saying in plain words what is wrong."""
    if upload is None:
        raise ValueError("Choose a bundle file (.json) to import.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValueError("This file is larger than 20 MB: split the bundle into smaller ones.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("This file is not a JSON bundle: it is not text (UTF-8). Upload the .json file.") from exc
    try:
        return load_document(text)
    except BundleError as exc:
        where = exc.problems[0].path
        raise ValueError(f"This file is not a JSON bundle: it is not valid JSON (at {where}).") from exc


@workspace_page
@require_POST
def import_upload(request):
    """Take a .json bundle and import it in the background; its page follows the import."""
    try:
        document = _read_upload(request.FILES.get("bundle"))
    except ValueError as exc:
        return _jobs_page(request, upload_error=str(exc), status=400)
    mode = "replace" if request.POST.get("mode") == "replace" else "merge"
    with transaction.atomic():
        job = ImportJob.objects.create(
            filename=request.FILES["bundle"].name[:255], document=document, mode=mode, created_by=request.user
        )
        transaction.on_commit(lambda: _send(import_bundle_job, job.pk, ImportJob, job.pk))
    return redirect("workspace:job-detail", kind="import", pk=job.pk)


@workspace_page
@require_POST
def recompute(request):
    """Recompute every incident's metrics and the aggregates (idempotent; it changes no record)."""
    with transaction.atomic():
        run = RecomputeRun.objects.create(kind=RecomputeRun.Kind.FULL)
        transaction.on_commit(lambda: _send(recompute_all_metrics, run.pk, RecomputeRun, run.pk))
    return redirect("workspace:job-detail", kind="recompute", pk=run.pk)


UNREACHABLE = "The task queue could not be reached, so this job never started. Nothing changed; try again shortly."


def _send(task, arg, model, pk):
    """Queue a job's task; with the broker down, mark the job failed in plain words rather than answer a 500."""
    if enqueue(task, arg):
        return
    if model is ImportJob:
        model.objects.filter(pk=pk).update(state=ImportJob.State.FAILED, errors=[{"path": "", "message": UNREACHABLE}])
    else:
        model.objects.filter(pk=pk).update(state=RecomputeRun.State.FAILED, summary={"error": UNREACHABLE})


@workspace_page
def job_detail(request, kind, pk):
    """One job's progress (polled by htmx while it runs) and, at the end, its summary or its errors."""
    if kind == "import":
        job = get_object_or_404(ImportJob.objects.select_related("created_by").defer("document"), pk=pk)
        running = job.running
    elif kind == "recompute":
        job = get_object_or_404(RecomputeRun, pk=pk)
        running = job.state in (RecomputeRun.State.QUEUED, RecomputeRun.State.RUNNING)
    else:
        raise Http404("No such kind of job.")
    context = {"kind": kind, "job": job, "running": running}
    template = "workspace/jobs/job_detail.html"
    return render(request, f"{template}#progress" if request.htmx else template, context)


urlpatterns = [
    path("jobs/", jobs, name="jobs"),
    path("jobs/import/", import_upload, name="import-upload"),
    path("jobs/recompute/", recompute, name="recompute"),
    path("jobs/<str:kind>/<int:pk>/", job_detail, name="job-detail"),
]
