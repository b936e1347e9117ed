"""Make the local editor account that `make run` prints, once: `manage.py create_local_editor`."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from disclosure import services

USERNAME = "editor"
WORKSPACE_URL = "http://127.0.0.1:8000/workspace/"


class Command(BaseCommand):
    help = "Create the workspace account 'editor' (role editor) with a random password, printed once; never change it."

    def handle(self, *args, **options):
        if get_user_model().objects.filter(username=USERNAME).exists():
            self.stdout.write(
                f"Workspace: {WORKSPACE_URL}  user: {USERNAME} (exists; its password was printed when it was made). "
                f"To choose a new one: .venv/bin/python manage.py changepassword {USERNAME}"
            )
            return
        password = secrets.token_urlsafe(12)
        # The operator's own command acts as the system (by=None), like import_bundle.
        services.account_create(username=USERNAME, email="", role="editor", password=password, by=None)
        self.stdout.write(f"Workspace: {WORKSPACE_URL}  user: {USERNAME}  password: {password}")
