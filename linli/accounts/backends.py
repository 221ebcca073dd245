"""Model permissions of the three separated administrator roles (三员分立, SECURITY.md AC-05).

The admin site asks `user.has_perm("app.action_model")`; this backend answers from the user's role, so the
system administrator manages users, org units and settings (no audit log, no residents' or cases' data), the
security administrator manages role assignments, MFA devices, sign-in locks and sessions (no org data), and the
auditor reads the audit log and nothing else."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from .choices import Role

ALL = ("add", "change", "delete", "view")

# role → {model label: actions}
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SYSTEM_ADMIN: {
        "accounts.user": ("add", "change", "view"),
        **{
            f"org.{m}": ALL
            for m in ("district", "street", "community", "grid", "compound", "building", "unit", "department")
        },
        "core.calendarday": ALL,
        "cases.category": ALL,
        "notices.noticetemplate": ALL,
        "notices.groupendpoint": ALL,
        "knowledge.answer": ALL,
        "patrols.checklisttemplate": ALL,
        "patrols.checklistitem": ALL,
        "care.terminalprovider": ALL,
        "care.careprovider": ALL,
        "open311.apikey": ALL,
        "open311.serviceattribute": ALL,
        "residents.tag": ALL,
    },
    Role.SECURITY_ADMIN: {
        "accounts.user": ("view",),
        "accounts.roleassignment": ALL,
        "accounts.signinlock": ("view", "delete"),
        "accounts.usersession": ("view", "delete"),
        "otp_totp.totpdevice": ("view", "delete"),
    },
    Role.AUDITOR: {
        "core.auditentry": ("view",),
    },
}


def role_permissions(user) -> set[str]:
    """Permission names ("app.action_model") the user's separated administrator role grants."""
    if not user.is_active or not user.is_staff:
        return set()
    perms: set[str] = set()
    for role in user.scope.roles:
        for label, actions in ROLE_PERMISSIONS.get(role, {}).items():
            app, model = label.split(".")
            perms |= {f"{app}.{action}_{model}" for action in actions}
    return perms


class RolePermissionBackend(BaseBackend):
    """Grants model permissions by role; authenticates nobody (ModelBackend checks passwords)."""

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or user_obj.is_anonymous:
            return set()
        return role_permissions(user_obj)

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
