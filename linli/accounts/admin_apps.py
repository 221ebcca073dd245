from django.contrib.admin.apps import AdminConfig


class LinliAdminConfig(AdminConfig):
    """django.contrib.admin with Linli's site: sign-in through /accounts/login/, gates by role (AC-05)."""

    default_site = "linli.accounts.admin_site.LinliAdminSite"
