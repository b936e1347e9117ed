"""Print the API token of a staff user, creating it if needed: `manage.py create_api_token alice`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print (creating if needed) the API token of a user; --rotate replaces an existing one."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="Delete the old token and issue a new one.")

    def handle(self, *args, username, rotate, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user '{username}'.") from exc
        if not user.is_staff:
            self.stderr.write(f"Note: '{username}' is not staff, so the token can only read public records.")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
