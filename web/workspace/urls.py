"""The workspace's routes under /workspace/, namespace "workspace": each module brings its own."""

from . import accounts, editor, history, jobs, records, views

app_name = "workspace"

urlpatterns = [
    *accounts.urlpatterns,
    *views.urlpatterns,
    *editor.urlpatterns,
    *records.urlpatterns,
    *history.urlpatterns,
    *jobs.urlpatterns,
]
