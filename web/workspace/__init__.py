"""The journalists' workspace (issue 12): staff pages under /workspace/ that write only through the services.

One module per concern, each with its forms, views and `urlpatterns` (joined in urls.py):
accounts (login, logout, passwords), views (dashboard, preview, workflow), editor (the
incident page: incident, participants, exposed data, sources, citations), records (events,
claims, responses, and the recorded-time field), history (diffs, restore), jobs (imports and
recomputes with progress). Shared access rules live in base.py.
"""
