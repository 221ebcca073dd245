"""AC-05 三员分立 (exclusive roles, each administrator only its own pages) and AU-05 (initial passwords, idle
accounts)."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from linli.accounts import services
from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, SignInLock, User, UserSession
from linli.core.audit import audit
from linli.core.errors import InvalidInput, NotAllowed

from .conftest import PASSWORD, events, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(world):
    """A system administrator, a security administrator and an auditor, none a superuser."""
    made = {}
    for username, role in (
        ("sysadmin", Role.SYSTEM_ADMIN),
        ("secadmin", Role.SECURITY_ADMIN),
        ("auditor", Role.AUDITOR),
    ):
        user = User.objects.create_user(username=username, password=PASSWORD)
        services.role_assign(actor=None, user=user, role=role)
        user.refresh_from_db()
        assert user.is_staff and not user.is_superuser
        made[role] = user
    return made


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_separated_roles_exclude_every_other_role(world, trio):
    sysadmin = trio[Role.SYSTEM_ADMIN]
    with pytest.raises(InvalidInput):
        services.role_assign(actor=trio[Role.SECURITY_ADMIN], user=sysadmin, role=Role.AUDITOR)
    with pytest.raises(InvalidInput):
        services.role_assign(actor=trio[Role.SECURITY_ADMIN], user=sysadmin, role=Role.ADMIN)
    with pytest.raises(InvalidInput):
        services.role_assign(
            actor=trio[Role.SECURITY_ADMIN], user=world.owner, role=Role.AUDITOR
        )  # a grid worker cannot also be the auditor
    with pytest.raises(ValidationError):
        RoleAssignment(user=world.owner, role=Role.SYSTEM_ADMIN).full_clean()
    with pytest.raises(ValidationError):
        RoleAssignment(user=sysadmin, role=Role.GRID_WORKER, grid=world.grid_a).full_clean()
    assert RoleAssignment.objects.filter(user=sysadmin).count() == 1


def test_nobody_assigns_roles_to_themselves(trio):
    security = trio[Role.SECURITY_ADMIN]
    with pytest.raises(NotAllowed):
        services.role_assign(actor=security, user=security, role=Role.SECURITY_ADMIN)


def test_role_changes_are_audited_once(world, trio):
    security = trio[Role.SECURITY_ADMIN]
    assignment = services.role_assign(
        actor=security, user=world.colleague_worker, role=Role.GRID_LEADER, grid=world.grid_b
    )
    services.role_remove(actor=security, assignment=assignment)
    assigned = [e for e in events("role_assigned") if e.actor == security]
    (removed,) = events("role_removed")
    assert len(assigned) == 1 and assigned[0].detail == {"role": "grid_leader", "unit": str(world.grid_b)}
    assert removed.detail == {"role": "grid_leader"}


PAGES = {
    "users": "/admin/accounts/user/",
    "roles": "/admin/accounts/roleassignment/",
    "locks": "/admin/accounts/signinlock/",
    "sessions": "/admin/accounts/usersession/",
    "devices": "/admin/otp_totp/totpdevice/",
    "audit": "/admin/core/auditentry/",
    "grids": "/admin/org/grid/",
    "calendar": "/admin/core/calendarday/",
    "categories": "/admin/cases/category/",
    "cases": "/admin/cases/case/",
    "requests": "/admin/residents/datasubjectrequest/",
    "exports": "/admin/residents/exportrequest/",
    "reporters": "/admin/reporters/reporter/",
}
ALLOWED = {
    Role.SYSTEM_ADMIN: {"users", "grids", "calendar", "categories"},
    Role.SECURITY_ADMIN: {"users", "roles", "locks", "sessions", "devices"},
    Role.AUDITOR: {"audit"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_administrator_sees_only_its_own_admin_pages(world, trio, role):
    client = _as(trio[role])
    assert client.get("/admin/").status_code == 200
    for name, url in PAGES.items():
        status = client.get(url).status_code
        assert status == (200 if name in ALLOWED[role] else 403), (role, name, status)


def test_the_auditor_reads_no_business_data(world, trio, new_case):
    new_case()
    auditor = trio[Role.AUDITOR]
    client = _as(auditor)
    assert client.get("/api/v1/cases/").json()["count"] == 0
    for path in ("/residents/", "/api/v1/residents/", "/api/v1/households/"):
        response = client.get(path)
        assert response.status_code in (403, 404) or response.json().get("count") == 0, path
    assert client.post("/admin/core/auditentry/1/delete/").status_code in (403, 404)
    assert client.get("/admin/core/auditentry/add/").status_code == 403


def test_the_system_administrator_sees_no_residents_or_cases(world, trio, new_case):
    new_case()
    client = _as(trio[Role.SYSTEM_ADMIN])
    assert client.get("/api/v1/cases/").json()["count"] == 0
    response = client.get("/api/v1/residents/")
    assert response.status_code in (403, 404) or response.json()["count"] == 0


def test_the_security_administrator_cannot_edit_org_data_or_users(world, trio):
    client = _as(trio[Role.SECURITY_ADMIN])
    assert client.get(f"/admin/org/grid/{world.grid_a.pk}/change/").status_code == 403
    change = client.post(f"/admin/accounts/user/{world.owner.pk}/change/", {"username": "renamed"})
    assert change.status_code == 403
    world.owner.refresh_from_db()
    assert world.owner.username == "grid1"


def test_the_system_administrator_cannot_change_the_other_administrators(world, trio):
    client = _as(trio[Role.SYSTEM_ADMIN])
    auditor = trio[Role.AUDITOR]
    page = client.get(f"/admin/accounts/user/{auditor.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    assert client.post(f"/admin/accounts/user/{auditor.pk}/change/", {"username": "x"}).status_code == 403
    response = client.post(
        f"/admin/accounts/user/{auditor.pk}/password/", {"password1": "X", "password2": "X"}
    )
    assert response.status_code == 403


def test_the_security_administrator_unlocks_and_kills_sessions(world, trio):
    for _ in range(5):
        sign_in(Client(), "grid1", "wrong-password-1A!")
    browser = Client()
    browser.force_login(world.owner)
    client = _as(trio[Role.SECURITY_ADMIN])
    lock = SignInLock.objects.get(username="grid1")
    response = client.post(f"/admin/accounts/signinlock/{lock.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not SignInLock.objects.exists()
    assert len(events("lockout_cleared")) == 1
    killed = client.post(
        "/admin/accounts/user/",
        {"action": "kill_sessions", "_selected_action": [world.owner.pk], "index": 0},
    )
    assert killed.status_code == 302
    assert not UserSession.objects.filter(user=world.owner).exists()
    assert browser.get("/api/v1/auth/me/").status_code in (401, 403)
    assert [e.detail["sessions"] for e in events("sessions_killed")] == [1]


def test_the_security_administrator_assigns_roles_in_the_admin(world, trio):
    client = _as(trio[Role.SECURITY_ADMIN])
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": world.colleague_worker.pk, "role": Role.GRID_LEADER, "grid": world.grid_b.pk},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=world.colleague_worker, role=Role.GRID_LEADER).exists()
    refused = client.post(
        "/admin/accounts/roleassignment/add/", {"user": world.colleague_worker.pk, "role": Role.AUDITOR}
    )
    assert refused.status_code == 200  # the form shows the exclusion error
    assert not RoleAssignment.objects.filter(user=world.colleague_worker, role=Role.AUDITOR).exists()


def test_the_auditor_reads_the_audit_log(world, trio):
    audit("test_event", actor=world.owner, reason="look")
    page = _as(trio[Role.AUDITOR]).get("/admin/core/auditentry/")
    assert page.status_code == 200 and "test_event" in page.content.decode()


def test_an_administrator_created_account_has_a_random_initial_password(world, trio):
    client = _as(trio[Role.SYSTEM_ADMIN])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the message is read in English below
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newworker",
            "display_name": "新网格员",
            "phone": "",
            "email": "",
            "roles-TOTAL_FORMS": 0,
            "roles-INITIAL_FORMS": 0,
        },
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(username="newworker")
    assert user.must_change_password
    expires = user.initial_password_expires_at - timezone.now()
    assert timedelta(hours=71) < expires <= timedelta(hours=72)
    text = response.content.decode()
    import re

    initial = re.search(r"newworker[^:]*: ([^<\s]+)", text.split("Initial password", 1)[-1]).group(1)
    assert user.check_password(initial)
    (created,) = events("user_created")
    assert created.actor == trio[Role.SYSTEM_ADMIN] and initial not in str(created.detail)
    # the first sign-in asks for a new password before anything else
    browser = Client()
    assert sign_in(browser, "newworker", initial).url == "/accounts/login/change/"
    assert signed_in_user_id(browser) is None


def test_an_initial_password_expires_after_72_hours(world, trio):
    user, initial = services.user_create_by_admin(actor=trio[Role.SYSTEM_ADMIN], username="late")
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        client = Client()
        response = sign_in(client, "late", initial)
        assert response.status_code == 200 and signed_in_user_id(client) is None
        token = Client().post("/api/v1/auth/token/", {"username": "late", "password": initial})
        assert token.json()["code"] == "invalid_credentials"


def test_idle_accounts_are_disabled_by_the_command(world):
    sign_in(Client(), "grid2")
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        sign_in(Client(), "grid1")
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        out = StringIO()
        call_command("disable-idle-accounts", stdout=out)
        disabled = set(User.objects.filter(is_active=False).values_list("username", flat=True))
    assert "grid1" not in disabled and {"grid2", "secretary", "street"} <= disabled
    assert "grid2" in out.getvalue()
    assert len(events("user_disabled")) == len(disabled)
    with time_machine.travel(timezone.now() + timedelta(days=92)):
        call_command("disable-idle-accounts", stdout=StringIO())
    assert len(events("user_disabled")) == len(disabled)  # nothing twice


def test_idle_disabling_can_be_switched_off(world, settings):
    settings.LINLI_IDLE_ACCOUNT_DAYS = 0
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert services.disable_idle_accounts() == []
