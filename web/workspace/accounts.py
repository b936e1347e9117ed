"""Workspace: accounts. Sign in, sign out and change a password with Django's own views and our templates."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.cache import never_cache

from .base import workspace_page

urlpatterns = [
    path(
        "login/", never_cache(auth_views.LoginView.as_view(template_name="workspace/accounts/login.html")), name="login"
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
]
