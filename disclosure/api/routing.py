"""How every app's API routes are written: plain paths, so the nesting reads as it is
(/incidents/<slug>/claims/<key>/responses/<id>/citations/)."""

from django.urls import path

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "patch": "partial_update"}

INCIDENT = "incidents/<slug:incident_slug>/"


def routes(prefix, viewset, name, lookup, *, actions=()):
    patterns = [
        path(prefix, viewset.as_view(LIST), name=f"{name}-list"),
        path(f"{prefix}{lookup}/", viewset.as_view(DETAIL), name=f"{name}-detail"),
    ]
    for action, method in actions:
        patterns.append(path(f"{prefix}{lookup}/{action}/", viewset.as_view({method: action}), name=f"{name}-{action}"))
    return patterns
