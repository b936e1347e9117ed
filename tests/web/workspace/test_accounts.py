"""Workspace accounts: signing in and out, passwords (change, reset, first choice), managing accounts, the local editor."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from disclosure import services

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://testserver(/workspace/password/reset/[^/\s]+/[^/\s]+/)")


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


# --- signing in and out -------------------------------------------------------------


def test_the_login_page_links_to_the_password_reset(client):
    page = client.get(reverse("workspace:login")).content.decode()
    assert reverse("workspace:password-reset") in page
    assert 'name="username"' in page and 'name="password"' in page


def test_signing_in_leads_to_the_dashboard(client, editor):
    response = client.post(reverse("workspace:login"), {"username": "editor", "password": "pw-editor"})
    assert response.status_code == 302 and response["Location"] == reverse("workspace:dashboard")
    assert client.get(reverse("workspace:dashboard")).status_code == 200


def test_a_wrong_password_is_refused_in_plain_words(client, editor):
    response = client.post(reverse("workspace:login"), {"username": "editor", "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_signing_out_is_a_post_and_signs_out(client, editor):
    client.force_login(editor)
    assert client.get(reverse("workspace:logout")).status_code == 405
    response = client.post(reverse("workspace:logout"))
    assert response.status_code == 302
    assert client.get(reverse("workspace:dashboard")).status_code == 302


def test_changing_a_password(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("workspace:password-change"),
        {"old_password": "pw-editor", "new_password1": "a long new phrase 42", "new_password2": "a long new phrase 42"},
    )
    assert response["Location"] == reverse("workspace:password-change-done")
    editor.refresh_from_db()
    assert editor.check_password("a long new phrase 42")


# --- resetting a password ---------------------------------------------------------------


def _reset_link(message):
    return LINK.search(message.body).group(1)


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client, editor):
    editor.email = "ed@example.org"
    editor.save()
    response = client.post(reverse("workspace:password-reset"), {"email": "ED@example.org"})
    assert response["Location"] == reverse("workspace:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ed@example.org"]
    assert "choose a new password" in message.subject.lower() and "Your username is: editor" in message.body

    form_url = client.get(_reset_link(message), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "brand new phrase 77", "new_password2": "brand new phrase 77"})
    assert response["Location"] == reverse("workspace:password-reset-complete")
    editor.refresh_from_db()
    assert editor.check_password("brand new phrase 77")
    # The link works once.
    page = client.get(_reset_link(message), follow=True).content.decode()
    assert "This link no longer works" in page


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, editor):
    response = client.post(reverse("workspace:password-reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your mail" in response.content.decode()
    assert mail.outbox == []


def test_a_reset_for_a_deactivated_account_sends_nothing(client, editor):
    editor.email, editor.is_active = "ed@example.org", False
    editor.save()
    client.post(reverse("workspace:password-reset"), {"email": "ed@example.org"})
    assert mail.outbox == []


def test_the_reset_pages_render_and_say_when_a_link_is_bad(client):
    assert client.get(reverse("workspace:password-reset")).status_code == 200
    assert client.get(reverse("workspace:password-reset-done")).status_code == 200
    assert client.get(reverse("workspace:password-reset-complete")).status_code == 200
    bad = reverse("workspace:password-reset-confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    assert "This link no longer works" in client.get(bad).content.decode()


# --- managing accounts ------------------------------------------------------------------------


def test_only_admins_open_the_accounts_page(client, contributor, editor, admin_user):
    url = reverse("workspace:accounts")
    assert client.get(url).status_code == 302  # to sign in
    for user in (contributor, editor):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "contributor" in page and "editor" in page


def test_an_admin_creates_an_account_that_is_mailed_a_link_to_choose_its_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("workspace:accounts"), {"username": "rosa", "email": "rosa@example.org", "role": "contributor"}
    )
    assert response.status_code == 302
    rosa = admin_user.__class__.objects.get(username="rosa")
    assert rosa.is_staff and rosa.is_active and not rosa.has_usable_password()
    assert roles_of(rosa) == {"contributor"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rosa@example.org"]
    body = mail.outbox[0].body
    assert "admin made you an account" in body and "as contributor" in body

    # Rosa chooses her password from the link, then signs in.
    client.logout()
    form_url = client.get(_reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "rosa's own phrase 9", "new_password2": "rosa's own phrase 9"})
    response = client.post(reverse("workspace:login"), {"username": "rosa", "password": "rosa's own phrase 9"})
    assert response["Location"] == reverse("workspace:dashboard")


def test_an_account_with_no_password_yet_can_ask_for_a_new_link(client, admin_user):
    services.account_create(username="sam", email="sam@example.org", role="editor", by=admin_user)
    client.post(reverse("workspace:password-reset"), {"email": "sam@example.org"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.org"]


def test_with_the_console_backend_the_page_shows_the_link(client, admin_user, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    client.force_login(admin_user)
    response = client.post(
        reverse("workspace:accounts"), {"username": "lee", "email": "lee@example.org", "role": "editor"}, follow=True
    )
    page = response.content.decode()
    printed = capsys.readouterr().out
    link = LINK.search(printed).group(0)
    assert link in page
    # Shown once: a later visit does not show it again.
    assert link not in client.get(reverse("workspace:accounts")).content.decode()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"username": "", "email": "x@example.org", "role": "editor"}, "Give a username."),
        ({"username": "x", "email": "not-an-address", "role": "editor"}, "Give an address like name@example.org."),
        ({"username": "x", "email": "x@example.org", "role": "boss"}, "Choose one of the roles listed."),
        ({"username": "editor", "email": "x@example.org", "role": "editor"}, "already exists"),
        ({"username": "bad name!", "email": "x@example.org", "role": "editor"}, "valid username"),
        ({"username": "x", "email": "ED@example.org", "role": "editor"}, "Another account already uses this email"),
    ],
)
def test_a_refused_account_is_explained_and_nothing_is_made(client, admin_user, editor, data, words):
    editor.email = "ed@example.org"
    editor.save()
    client.force_login(admin_user)
    before = admin_user.__class__.objects.count()
    response = client.post(reverse("workspace:accounts"), data)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert admin_user.__class__.objects.count() == before
    assert mail.outbox == []


def test_an_admin_changes_a_role(client, admin_user, contributor):
    client.force_login(admin_user)
    response = client.post(reverse("workspace:account-role", args=[contributor.pk]), {"role": "editor"})
    assert response.status_code == 302
    assert roles_of(contributor) == {"editor"}
    # With htmx, the list comes back in place, saying what changed.
    response = client.post(
        reverse("workspace:account-role", args=[contributor.pk]), {"role": "admin"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="accounts-list"' in response.content.decode() and "<html" not in response.content.decode()
    assert roles_of(contributor) == {"admin"}


def test_a_role_change_keeps_other_groups(admin_user, contributor):
    other = Group.objects.create(name="newsletter")
    contributor.groups.add(other)
    services.account_set_role(user=contributor, role="editor", by=admin_user)
    assert roles_of(contributor) == {"editor", "newsletter"}


def test_an_admin_deactivates_and_switches_back_on(client, admin_user, editor):
    client.force_login(admin_user)
    client.post(reverse("workspace:account-deactivate", args=[editor.pk]))
    editor.refresh_from_db()
    assert not editor.is_active
    client.logout()
    client.post(reverse("workspace:login"), {"username": "editor", "password": "pw-editor"})
    assert "_auth_user_id" not in client.session  # a deactivated account cannot sign in
    client.force_login(admin_user)
    client.post(reverse("workspace:account-reactivate", args=[editor.pk]))
    editor.refresh_from_db()
    assert editor.is_active


def test_an_admin_cannot_lock_themselves_out(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("workspace:account-deactivate", args=[admin_user.pk]))
    assert response.status_code == 200
    assert "You may not deactivate your own account" in response.content.decode()
    response = client.post(reverse("workspace:account-role", args=[admin_user.pk]), {"role": "contributor"})
    assert "You may not change the role of your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and roles_of(admin_user) == {"admin"}


def test_a_bad_role_is_refused_beside_the_account(client, admin_user, editor):
    client.force_login(admin_user)
    response = client.post(reverse("workspace:account-role", args=[editor.pk]), {"role": "boss"})
    assert "Choose a role" in response.content.decode()
    assert roles_of(editor) == {"editor"}


def test_an_editor_gets_403_and_changes_nothing(client, editor, contributor):
    client.force_login(editor)
    posts = [
        (reverse("workspace:accounts"), {"username": "mallory", "email": "m@example.org", "role": "admin"}),
        (reverse("workspace:account-role", args=[contributor.pk]), {"role": "admin"}),
        (reverse("workspace:account-deactivate", args=[contributor.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    contributor.refresh_from_db()
    assert contributor.is_active and roles_of(contributor) == {"contributor"}
    assert not contributor.__class__.objects.filter(username="mallory").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_the_services_refuse_anyone_but_an_admin(request, role, admin_user):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.account_create(username="x", email="x@example.org", role="editor", by=user)
    with pytest.raises(PermissionDenied):
        services.account_set_role(user=admin_user, role="contributor", by=user)
    with pytest.raises(PermissionDenied):
        services.account_deactivate(user=admin_user, by=user)
    with pytest.raises(PermissionDenied):
        services.account_reactivate(user=admin_user, by=user)
    admin_user.refresh_from_db()
    assert admin_user.is_active and roles_of(admin_user) == {"admin"}


def test_a_superuser_may_manage_accounts(django_user_model, contributor):
    boss = django_user_model.objects.create_superuser(username="boss", password="pw", email="boss@example.org")
    services.account_set_role(user=contributor, role="editor", by=boss)
    assert roles_of(contributor) == {"editor"}


@pytest.mark.parametrize("extra", [2, 20])
def test_the_accounts_page_makes_a_fixed_number_of_queries(
    client, admin_user, django_user_model, django_assert_max_num_queries, extra
):
    group = Group.objects.get(name="contributor")
    for i in range(extra):
        user = django_user_model.objects.create_user(username=f"user{i}", email=f"u{i}@example.org", is_staff=True)
        user.groups.add(group)
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("workspace:accounts"))
    assert response.content.decode().count('<li id="account-') == extra + 1


# --- the local editor of `make run` ----------------------------------------------------------------


def test_create_local_editor_makes_the_editor_once_and_prints_its_password_once(django_user_model):
    out = StringIO()
    call_command("create_local_editor", stdout=out)
    printed = out.getvalue()
    match = re.search(r"Workspace: http://127\.0\.0\.1:8000/workspace/  user: editor  password: (\S+)", printed)
    assert match
    editor = django_user_model.objects.get(username="editor")
    assert editor.is_staff and editor.is_active and roles_of(editor) == {"editor"}
    assert editor.check_password(match.group(1))
    stored = editor.password

    out = StringIO()
    call_command("create_local_editor", stdout=out)
    assert match.group(1) not in out.getvalue()
    assert "password:" not in out.getvalue() and "changepassword editor" in out.getvalue()
    editor.refresh_from_db()
    assert editor.password == stored
    assert django_user_model.objects.filter(username="editor").count() == 1
