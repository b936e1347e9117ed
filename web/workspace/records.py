"""Workspace: the incident's events, claims and vendor responses, edited in place on the editor page."""

urlpatterns = []


def records_context(incident, user):
    """What templates/workspace/records/_events.html and _claims.html need on the editor page."""
    return {}
