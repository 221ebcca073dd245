from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    GRID_LEADER = "grid_leader", _("Grid leader")
    SECRETARY = "secretary", _("Community secretary")
    STREET_OFFICER = "street_officer", _("Street officer")
    DEPARTMENT = "department", _("Department staff")
    REPORTER = "reporter", _("Part-time reporter")
    ADMIN = "admin", _("Administrator")
    # 三员分立 (SECURITY.md AC-05): each excludes every other role.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Security auditor")


# The three separated administrator roles (三员): a user holding one holds no other role.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

# The org unit each role is scoped to: the RoleAssignment field that must be set.
ROLE_SCOPE_FIELD = {
    Role.GRID_WORKER: "grid",
    Role.GRID_LEADER: "grid",
    Role.SECRETARY: "community",
    Role.STREET_OFFICER: "street",
    Role.DEPARTMENT: "department",
    Role.REPORTER: "community",
    Role.ADMIN: None,
    Role.SYSTEM_ADMIN: None,
    Role.SECURITY_ADMIN: None,
    Role.AUDITOR: None,
}
