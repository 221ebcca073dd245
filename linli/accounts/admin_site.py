"""Linli's admin site: the same sign-in as every page (lock, password policy, second factor) and only what the
user's role allows (AC-05, see backends.ROLE_PERMISSIONS)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class LinliAdminSite(admin.AdminSite):
    site_header = _("Linli administration")
    site_title = _("Linli administration")

    def login(self, request, extra_context=None):
        """The admin has no sign-in of its own: /accounts/login/ asks for every factor."""
        target = (
            request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME) or self.index_url()
        )
        if request.user.is_authenticated and self.has_permission(request):
            return redirect(target)
        return redirect_to_login(target)

    def logout(self, request, extra_context=None):
        """The admin's sign-out is the site's: the session row goes and the browser is told to forget (SE-02)."""
        from .views import sign_out

        return sign_out(request)

    def index_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)
