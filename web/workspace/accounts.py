"""Workspace: accounts. Sign in and out, change or reset a password, and (admins) manage the newsroom's accounts.

Signing in, out and the passwords are Django's own views with our templates. A new
account gets no password it could sign in with: its owner is mailed a link to choose
one (the password-reset link, valid for `PASSWORD_RESET_TIMEOUT`), so no password
ever travels by mail or through an admin's hands.
"""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from disclosure import services
from disclosure.roles import NEWSROOM_ROLES

from .base import role_of, workspace_page

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

ROLE_WORDS = {
    "contributor": "contributor: records and edits drafts",
    "editor": "editor: also reviews, publishes, embargoes, corrects",
    "admin": "admin: also retracts, deletes, manages accounts",
}


# --- signing in and passwords -------------------------------------------------


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That username and password do not match an account. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask an admin to switch it back on.",
    }


class WorkspacePasswordResetForm(PasswordResetForm):
    """Django's reset form, which also mails accounts that have no password yet.

    An admin creates accounts without one (their owners choose it from the mailed
    link); Django's form skips such accounts, which would leave a newcomer whose
    first link expired with no way in.
    """

    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Give your email address.", "invalid": "Give an address like name@example.org."},
    )

    def get_users(self, email):
        field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (u for u in users if getattr(u, field).casefold() == email.casefold())


def _link_days():
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def send_invitation(request, user):
    """Mail `user` a link to choose their password; return the link (shown on the page with the console backend)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(
        reverse("workspace:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    )
    context = {
        "user": user,
        "by": request.user,
        "link": link,
        "login": request.build_absolute_uri(reverse("workspace:login")),
        "days": _link_days(),
        "role": role_of(user),
    }
    PasswordResetForm().send_mail(
        "registration/workspace_invitation_subject.txt",
        "registration/workspace_invitation_email.txt",
        context,
        None,
        user.email,
    )
    return link


# --- managing accounts (admins) ---------------------------------------------------


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="What they type to sign in: letters, digits and @ . + - _",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        error_messages={"required": "Give a username."},
    )
    email = forms.EmailField(
        help_text="They are mailed a link there to choose their password.",
        error_messages={"required": "Give an email address.", "invalid": "Give an address like name@example.org."},
    )
    role = forms.ChoiceField(
        choices=[(role, ROLE_WORDS[role]) for role in NEWSROOM_ROLES],
        initial="contributor",
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose one of the roles listed."},
    )


def _errors_onto(form, exc):
    """Put a service's ValidationError beside the form's fields (or at its top), in its own words."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def admin_page(view):
    """A workspace page for admins only: 403 for every other role."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.ws_role != "admin":
            raise PermissionDenied("Only an admin may manage accounts.")
        return view(request, *args, **kwargs)

    return workspace_page(wrapper)


def _role_from_groups(user):
    if user.is_superuser:
        return "admin"
    names = {group.name for group in user.groups.all()}  # prefetched
    return next((role for role in reversed(NEWSROOM_ROLES) if role in names), "")


def _account_rows(request, errors):
    users = get_user_model().objects.prefetch_related("groups").order_by("-is_active", "username")
    return [
        {
            "user": user,
            "role": _role_from_groups(user),
            "is_self": user.pk == request.user.pk,
            "error": errors.get(user.pk, ""),
        }
        for user in users
    ]


def _render_accounts(request, *, form=None, errors=None, notice=""):
    context = {
        "form": form or AccountCreateForm(),
        "rows": _account_rows(request, errors or {}),
        "roles": [(role, ROLE_WORDS[role]) for role in NEWSROOM_ROLES],
        "notice": notice,
        "invite": request.session.pop("workspace_invite", None) if request.method == "GET" else None,
    }
    template = "workspace/accounts/accounts.html"
    return render(request, f"{template}#accounts-list" if request.htmx else template, context)


@admin_page
def accounts(request):
    """The list of accounts with their roles, and the form that creates one."""
    if request.method != "POST":
        return _render_accounts(request)
    form = AccountCreateForm(request.POST)
    if form.is_valid():
        try:
            user = services.account_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _errors_onto(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            link = send_invitation(request, user)
            messages.success(
                request, f"Account {user.username} created: a link to choose a password was mailed to {user.email}."
            )
            if settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND:
                # No mail leaves this machine: the link is printed on the server's console and shown here.
                request.session["workspace_invite"] = {"username": user.username, "link": link}
            return redirect("workspace:accounts")
    return _render_accounts(request, form=form)


def _account_action(action, done):
    """A POST that changes one account through `action(user, request)`; the list is shown again, with any refusal."""

    @admin_page
    @require_POST
    def view(request, pk):
        user = get_object_or_404(get_user_model(), pk=pk)
        try:
            action(user, request)
        except (PermissionDenied, ValidationError) as exc:
            words = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return _render_accounts(request, errors={user.pk: words})
        notice = done.format(username=user.get_username())
        if request.htmx:
            return _render_accounts(request, notice=notice)
        messages.success(request, notice)
        return redirect(reverse("workspace:accounts") + f"#account-{user.pk}")

    return view


def _set_role(user, request):
    role = request.POST.get("role", "")
    services.account_set_role(user=user, role=role, by=request.user)


account_role = _account_action(_set_role, "{username} has a new role.")
account_deactivate = _account_action(
    lambda user, request: services.account_deactivate(user=user, by=request.user),
    "{username} is deactivated and can no longer sign in.",
)
account_reactivate = _account_action(
    lambda user, request: services.account_reactivate(user=user, by=request.user),
    "{username} can sign in again.",
)


urlpatterns = [
    path(
        "login/",
        never_cache(
            auth_views.LoginView.as_view(template_name="workspace/accounts/login.html", authentication_form=LoginForm)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        workspace_page(
            auth_views.PasswordChangeView.as_view(
                template_name="workspace/accounts/password_change.html",
                success_url=reverse_lazy("workspace:password-change-done"),
            )
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        workspace_page(
            auth_views.PasswordChangeDoneView.as_view(template_name="workspace/accounts/password_change_done.html")
        ),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        never_cache(
            auth_views.PasswordResetView.as_view(
                form_class=WorkspacePasswordResetForm,
                template_name="workspace/accounts/password_reset_form.html",
                email_template_name="registration/workspace_password_reset_email.txt",
                subject_template_name="registration/workspace_password_reset_subject.txt",
                success_url=reverse_lazy("workspace:password-reset-done"),
                extra_context={"days": _link_days()},
                extra_email_context={"days": _link_days()},
            )
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        never_cache(
            auth_views.PasswordResetDoneView.as_view(
                template_name="workspace/accounts/password_reset_done.html",
                extra_context={"console": settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND},
            )
        ),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="workspace/accounts/password_reset_confirm.html",
            success_url=reverse_lazy("workspace:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        never_cache(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="workspace/accounts/password_reset_complete.html"
            )
        ),
        name="password-reset-complete",
    ),
    path("accounts/", accounts, name="accounts"),
    path("accounts/<int:pk>/role/", account_role, name="account-role"),
    path("accounts/<int:pk>/deactivate/", account_deactivate, name="account-deactivate"),
    path("accounts/<int:pk>/reactivate/", account_reactivate, name="account-reactivate"),
]
