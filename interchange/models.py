"""Bundle imports started from the workspace: the uploaded document, its progress and its outcome."""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One bundle upload, imported by a Celery task (interchange.tasks.import_bundle_job).

    The task moves it through its states and records either what the import did
    (`summary`: created, updated, unchanged, deleted counts) or why it was refused
    (`errors`: [{"path", "message"}], and then nothing was written).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "waiting to start"
        VALIDATING = "validating", "checking the bundle"
        WRITING = "writing", "writing the records"
        DONE = "done", "done"
        FAILED = "failed", "refused"

    # How far along each state is, for the progress bar.
    PERCENT = {"queued": 0, "validating": 10, "writing": 50, "done": 100, "failed": 100}

    filename = models.CharField(max_length=255)
    document = models.JSONField(help_text="The uploaded bundle, as parsed.")
    mode = models.CharField(max_length=8, default="merge")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import of {self.filename} ({self.get_state_display()})"

    @property
    def percent(self):
        return self.PERCENT.get(self.state, 0)

    @property
    def running(self):
        return self.state in (self.State.QUEUED, self.State.VALIDATING, self.State.WRITING)
