"""The shared cast of the test suite (see STYLE.md): an owner, a colleague, an outsider, a department, a street
officer and an administrator, in two communities of 和平区 南营门街道 and 红桥区 西沽街."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connections
from rest_framework.test import APIClient

from linli.accounts.choices import Role
from linli.accounts.models import RoleAssignment, User
from linli.cases.models import Category
from linli.org.models import Building, Community, Compound, Department, District, Grid, Street


def pytest_configure(config):
    """One key ring for the whole run (and each xdist worker), given inline as a deployment may give it in
    LINLI_KEYRING, so that no test reads or writes the developer's var/keys."""
    from django.conf import settings

    from linli.core.audit import LocalAuditSigner, reset_signer
    from linli.core.crypto import KeyRing, reset_key_service

    settings.LINLI_KEYRING = KeyRing.generate().to_json()
    settings.LINLI_AUDIT_KEYS = LocalAuditSigner.generate()
    reset_key_service()
    reset_signer()


@pytest.fixture(autouse=True)
def _fast_hasher(settings, tmp_path):
    from linli.core.crypto import reset_key_service

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    reset_key_service()  # a test that changed the ring settings leaves none of it behind


def square(lon: float, lat: float, size: float = 0.004) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def png_bytes(color=(200, 60, 40), size=(16, 12)) -> bytes:
    """A real (decodable) PNG: stored photos are re-encoded, so magic bytes alone no longer pass."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


class World:
    """Named places and people; attributes are filled by the `world` fixture."""


def _user(username: str, display: str, role: str, **unit) -> User:
    user = User.objects.create_user(username=username, password="Linli-test-2026", display_name=display)
    RoleAssignment.objects.create(user=user, role=role, **unit)
    return user


def ensure_seed_data() -> None:
    """What data migrations seed — the managed tag list (residents.0002), the notice templates (notices.0002),
    the patrol checklists (patrols.0002), the knowledge base's answers (knowledge.0002), the volunteers' skills
    (volunteers.0003) — put back if a transactional test's flush emptied it."""
    from linli.knowledge.models import Answer
    from linli.notices.models import NoticeTemplate
    from linli.patrols.models import ChecklistTemplate
    from linli.residents.models import Tag
    from linli.volunteers.models import Skill

    if not Tag.objects.exists():
        importlib.import_module("linli.residents.migrations.0002_tags").add_tags(apps, None)
    if not NoticeTemplate.objects.exists():
        importlib.import_module("linli.notices.migrations.0002_templates").add_templates(apps, None)
    if not ChecklistTemplate.objects.exists():
        importlib.import_module("linli.patrols.migrations.0002_checklists").add_checklists(apps, None)
    if not Answer.objects.exists():
        importlib.import_module("linli.knowledge.migrations.0002_seed_answers").add_answers(apps, None)
    if not Skill.objects.exists():
        importlib.import_module("linli.volunteers.migrations.0003_skills").add_skills(apps, None)


@pytest.fixture
def world(db) -> World:
    from linli.org.locator import locator

    ensure_seed_data()
    w = World()
    w.heping = District.objects.create(code="120101", name="和平区")
    w.hongqiao = District.objects.create(code="120106", name="红桥区")
    w.nanyingmen = Street.objects.create(district=w.heping, code="120101006", name="南营门街道")
    w.xigu = Street.objects.create(district=w.hongqiao, code="120106003", name="西沽街")
    w.xiningdao = Community.objects.create(street=w.nanyingmen, code="XND", name="西宁道社区")
    w.yanyu = Community.objects.create(street=w.xigu, code="YY", name="燕宇社区")
    w.grid_a = Grid.objects.create(
        community=w.xiningdao, code="XND-01", name="第一网格", geometry=square(117.200, 39.110)
    )
    w.grid_b = Grid.objects.create(
        community=w.xiningdao, code="XND-02", name="第二网格", geometry=square(117.204, 39.110)
    )
    w.grid_y = Grid.objects.create(
        community=w.yanyu, code="YY-01", name="燕宇第一网格", geometry=square(117.180, 39.160)
    )
    w.jili = Compound.objects.create(community=w.xiningdao, name="吉利花园")
    w.building_1 = Building.objects.create(
        compound=w.jili, name="1号楼", grid=w.grid_a, lat=39.111, lon=117.201
    )
    w.building_3 = Building.objects.create(
        compound=w.jili, name="3号楼", grid=w.grid_b, lat=39.111, lon=117.205
    )
    w.chengguan = Department.objects.create(code="CGW", name="城管委")
    w.water = Department.objects.create(code="GS", name="供水")
    w.root_cat = Category.objects.create(code="ENV", name="环境卫生")
    w.drain = Category.objects.create(
        code="ENV-DRAIN",
        name="下水道堵塞",
        parent=w.root_cat,
        response_minutes=60,
        resolution_working_days=3,
        default_department=w.chengguan,
    )
    w.fire = Category.objects.create(
        code="SAFE-FIRE",
        name="消防设施损坏",
        response_minutes=30,
        resolution_working_days=2,
        requires_verification=True,
    )
    w.owner = _user("grid1", "王网格", Role.GRID_WORKER, grid=w.grid_a)
    w.colleague_worker = _user("grid2", "李网格", Role.GRID_WORKER, grid=w.grid_b)
    w.secretary = _user("secretary", "张书记", Role.SECRETARY, community=w.xiningdao)
    w.outsider = _user("outsider", "赵网格", Role.GRID_WORKER, grid=w.grid_y)
    w.outsider_secretary = _user("yanyu_secretary", "燕宇书记", Role.SECRETARY, community=w.yanyu)
    w.dept = _user("dept", "城管委小刘", Role.DEPARTMENT, department=w.chengguan)
    w.water_dept = _user("water", "供水小陈", Role.DEPARTMENT, department=w.water)
    w.street = _user("street", "南营门街道", Role.STREET_OFFICER, street=w.nanyingmen)
    w.reporter = _user("reporter", "外卖小哥", Role.REPORTER, community=w.xiningdao)
    w.admin = _user("admin", "管理员", Role.ADMIN)
    locator.invalidate()
    return w


class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache_clock(monkeypatch) -> FakeClock:
    """Replace the process caches' clock (linli.core.cache) so tests can step past their TTL."""
    from linli.core import cache

    fake = FakeClock()
    monkeypatch.setattr(cache, "_clock", fake)
    return fake


@pytest.fixture
def api():
    """An API client; `api.as_(user)` signs it in with a token like an outside program would."""
    client = APIClient()

    def as_(user):
        client.force_authenticate(user=None)
        client.credentials()
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    client.as_ = as_
    return client


@pytest.fixture
def new_case(world):
    """A case reported in grid A through the service, owned by the grid worker."""
    from linli.cases.services import case_create

    def make(**kwargs):
        params = {
            "actor": world.secretary,
            "title": "吉利花园1号楼下水道堵塞",
            "description": "污水漫到楼道口",
            "category": world.drain,
            "lat": 39.111,
            "lon": 117.201,
            "reporter_name": "刘阿姨",
            "reporter_phone": "13812345678",
        }
        params.update(kwargs)
        return case_create(**params)

    return make


CHROMIUM = Path("/usr/bin/chromium")
# As this machine's own checks start it: headless, and nothing that reaches for the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_TIMEOUT_MS = 15_000


class PhoneBrowser:
    """One page of Debian's chromium on a phone, on the live test server; `errors` collects JavaScript errors."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.errors = page, base, []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def sign_in(self, user, password: str = "Linli-test-2026") -> None:
        from playwright.sync_api import expect

        self.page.goto(f"{self.base}/accounts/login/")
        form = self.page.locator("main form[method=post]")
        form.locator("input[name=username]").fill(user.username)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        expect(self.page).to_have_url(f"{self.base}/cases/")


@pytest.fixture
def phone_browser(monkeypatch, live_server):
    """Debian's chromium (scripts/install-chromium.sh) through Playwright, on a 390 px phone viewport, allowed to
    reach nothing but the test server. CI installs the browser, so there a missing one fails instead of skipping."""
    from urllib.parse import urlsplit

    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; run scripts/install-chromium.sh (make test does) to install Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; let the test use the ORM anyway.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    host = urlsplit(live_server.url).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            context.set_default_timeout(BROWSER_TIMEOUT_MS)
            # Nothing may leave the test server: no map tiles, CDNs or fonts from the internet.
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if urlsplit(route.request.url).netloc == host else route.abort()
                ),
            )
            yield PhoneBrowser(context.new_page(), live_server.url)
            context.close()
        finally:
            browser.close()
            # While Playwright's loop runs, the test's ORM calls open connections of their own context:
            # close them here, or the test database cannot be dropped at the end of the run.
            connections.close_all()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no requests counted against the public endpoints' limits."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield


class Received:
    """What a local HTTP receiver was sent: method, path, headers (lower-case names), body."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def json(self):
        import json

        return json.loads(self.body)


class HttpReceiver:
    """A real HTTP server on 127.0.0.1 that records every request; `replies` (status, body) are answered in turn,
    then 200 `{"errcode":0}` (what WeCom's and DingTalk's robots answer)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[Received] = []
        self.replies: list[tuple[int, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append(Received("POST", self.path, headers, body))
                status, reply = receiver.replies.pop(0) if receiver.replies else (200, b'{"errcode":0}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_receiver():
    """A local webhook/SMS-gateway receiver: `http_receiver.url`, `.requests`, `.replies`."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def sms_gateway(http_receiver, settings):
    """The SMS gateway pointed at a local receiver; its requests are the messages sent."""
    settings.LINLI_SMS_URL = f"{http_receiver.url}/sms"
    settings.LINLI_SMS_KEY_ID = "linli-test"
    settings.LINLI_SMS_SECRET = "sms-test-secret"
    return http_receiver
