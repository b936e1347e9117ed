"""Celery tasks of the interchange app: a bundle import started from the workspace."""

from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from .bundle import BundleError, import_bundle, validate
from .models import ImportJob


def _set(job, **fields):
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def run_import_job(job):
    """Validate, then import the job's document as its uploader; record the progress and the outcome.

    The import is all or nothing (interchange.bundle): a refused bundle is recorded
    with every problem and its JSON path, and nothing was written.
    """
    _set(job, state=ImportJob.State.VALIDATING, started_at=timezone.now())
    problems = validate(job.document)
    if not problems:
        _set(job, state=ImportJob.State.WRITING)
        try:
            result = import_bundle(job.document, by=job.created_by, mode=job.mode)
        except BundleError as exc:
            problems = exc.problems
        except (PermissionDenied, ValueError) as exc:
            # The role table's refusals name the record at fault first: "incidents[0].events[2]: ...".
            path, sep, message = str(exc).partition(": ")
            problems = (
                [{"path": path, "message": message}] if sep and "[" in path else [{"path": "", "message": str(exc)}]
            )
        else:
            summary = {
                "incidents": result.incidents,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "deleted": result.deleted,
                "mode": result.mode,
            }
            _set(job, state=ImportJob.State.DONE, summary=summary, finished_at=timezone.now())
            return
    errors = [p if isinstance(p, dict) else {"path": p.path, "message": p.message} for p in problems]
    _set(job, state=ImportJob.State.FAILED, errors=errors, finished_at=timezone.now())


# Not retried: an import either succeeds or is refused for reasons a retry does not change.
@shared_task(bind=True, max_retries=0, soft_time_limit=600, time_limit=660)
def import_bundle_job(self, job_id):
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.state != ImportJob.State.QUEUED:
        return  # gone, or already run (a redelivered message)
    try:
        run_import_job(job)
    except BaseException:
        _set(
            job,
            state=ImportJob.State.FAILED,
            errors=[
                {
                    "path": "",
                    "message": "The import stopped on an unexpected error; nothing was written. Try again, or tell an admin.",
                }
            ],
            finished_at=timezone.now(),
        )
        raise
