"""Linli settings, driven by environment variables (see .env.example)."""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


LINLI_ENV = env_str("LINLI_ENV", "development")
DEBUG = env_bool("LINLI_DEBUG", LINLI_ENV == "development")
SECRET_KEY = env_str(
    "LINLI_SECRET_KEY",
    "dev-only-insecure-key-linli-0123456789-abcdefghijklmnopqrstuvwxyz",
)
ALLOWED_HOSTS = [h for h in env_str("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "csp",
    "linli.core",
    "linli.accounts",
    "linli.org",
    "linli.cases",
    "linli.residents",
    "linli.notices",
    "linli.public",
    "linli.reporters",
    "linli.open311",
    "linli.care",
    "linli.patrols",
    "linli.deliberation",
    "linli.dispatch",
    "linli.knowledge",
    "linli.hotspots",
    "linli.partners",
    "linli.volunteers",
    "linli.activities",
    "linli.charity",
    "linli.insights",
    "linli.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "linli.core.security.RequestContextMiddleware",
    "linli.core.security.ExposureMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context_processors.linli",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{REPO_DIR / 'var' / 'linli.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("LINLI_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    (REPO_DIR / "var").mkdir(exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "LINLI_PG_PREPARED_STATEMENTS", True
):
    # Server-side parameter binding lets psycopg prepare what a connection runs repeatedly (from the 5th run):
    # PostgreSQL then skips parsing and planning it (intake: about a quarter of its PostgreSQL CPU).
    # pgbouncer caveat: in transaction pooling mode prepared statements need pgbouncer >= 1.21 with
    # max_prepared_statements > 0; with an older pooler set LINLI_PG_PREPARED_STATEMENTS=0.
    # Options given in DATABASE_URL (?sslmode=…) are kept and win.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5,
        **DATABASES["default"].get("OPTIONS", {}),
    }
# A file, not SQLite's shared in-memory database, so concurrency tests see real locking (WAL, busy timeout).
_test_name = env_str("LINLI_TEST_DB_NAME") or (
    # one file per test run (pid), so two runs on one machine never share it
    str(Path(tempfile.gettempdir()) / f"linli_test_{os.getpid()}.sqlite3")
    if DATABASES["default"]["ENGINE"].endswith("sqlite3")
    else None
)
DATABASES["default"]["TEST"] = {"NAME": _test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:my_work"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("LINLI_STATIC_ROOT", str(REPO_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("LINLI_MEDIA_ROOT", str(REPO_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = env_int("LINLI_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "linli.core.security.csrf_failure"
CSRF_COOKIE_HTTPONLY = True  # pages put the token in forms and hx-headers; no script reads the cookie
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Audit (SECURITY.md LG-04/05): the HMAC-SM3 chain's own key ring, retention (at least 180 days, see
# core.audit.retention_days), and a copy of every entry as one JSON line to the "linli.audit" logger.
LINLI_AUDIT_SIGNER = env_str("LINLI_AUDIT_SIGNER", "linli.core.audit.LocalAuditSigner")
LINLI_AUDIT_KEYS = env_str("LINLI_AUDIT_KEYS", "")
LINLI_AUDIT_KEYS_FILE = env_str("LINLI_AUDIT_KEYS_FILE", str(REPO_DIR / "var" / "keys" / "audit-keys.json"))
LINLI_AUDIT_RETENTION_DAYS = env_int("LINLI_AUDIT_RETENTION_DAYS", 365)
LINLI_AUDIT_SYSLOG = env_bool("LINLI_AUDIT_SYSLOG", False)
# Backups (docs/operations.md): where `linli backup` writes, and the passphrase that encrypts the key rings in it.
LINLI_BACKUP_DIR = env_str("LINLI_BACKUP_DIR", str(REPO_DIR / "var" / "backups"))
LINLI_BACKUP_PASSPHRASE = env_str("LINLI_BACKUP_PASSPHRASE", "")
# The API docs and schema are served outside production only, unless asked for (CF-04).
LINLI_API_DOCS = env_bool("LINLI_API_DOCS", LINLI_ENV != "production")
# /admin/ answers only from these networks (CF-04); outside production, from anywhere unless this is set.
_admin_networks = env_str("LINLI_ADMIN_NETWORKS", "127.0.0.1/32,::1/128" if LINLI_ENV == "production" else "")
LINLI_ADMIN_NETWORKS = [n.strip() for n in _admin_networks.split(",") if n.strip()]
if LINLI_ENV == "production":
    # CF-03: the secret key comes from the environment and is long; Linli refuses to start otherwise.
    if len(os.environ.get("LINLI_SECRET_KEY", "")) < 50 or len(set(SECRET_KEY)) < 5:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "In production LINLI_SECRET_KEY must be set to at least 50 random characters."
        )
    if DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LINLI_DEBUG must be off in production.")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for this host, on path / (ASVS 3.3.1).
    SESSION_COOKIE_NAME = "__Host-linli_session"
    CSRF_COOKIE_NAME = "__Host-linli_csrf"
    SECURE_SSL_REDIRECT = env_bool("LINLI_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the gateway: it says so in X-Forwarded-Proto (only believed from LINLI_TRUSTED_PROXIES peers).
    if env_str("LINLI_TRUSTED_PROXIES", ""):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [o for o in env_str("LINLI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]


def _csp_policy() -> dict:
    """The Content-Security-Policy (CF-02): own origin only, no framing, no plugins, scripts from files or
    with the request's nonce; styles may be inline (style attributes); images also from the map tile host."""
    from urllib.parse import urlsplit

    from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

    images = [SELF, "data:"]
    tiles = urlsplit(env_str("LINLI_MAP_TILE_URL", ""))
    if tiles.scheme in ("http", "https") and tiles.netloc:
        # a {s} subdomain placeholder (t{s}.tianditu.gov.cn) becomes a wildcard label
        host = ".".join("*" if "{" in label else label for label in tiles.netloc.split("."))
        images.append(f"{tiles.scheme}://{host}")
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF, UNSAFE_INLINE],
            "img-src": images,
            "font-src": [SELF],
            "connect-src": [SELF],
            "frame-ancestors": [NONE],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
        }
    }


# Enforced in production; report-only elsewhere, so a page that breaks it shows in the browser console first.
if LINLI_ENV == "production":
    CONTENT_SECURITY_POLICY = _csp_policy()
else:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy()

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "linli.accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "linli.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linli 邻里 API",
    "DESCRIPTION": "Community governance: grids, the 接诉即办 case loop, whistles (吹哨) and feedback (回访).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "linli.cases.choices.Status",
        "WhistleStatusEnum": "linli.cases.choices.WhistleStatus",
        "DataRequestKindEnum": "linli.residents.choices.RequestKind",
        "DataRequestStatusEnum": "linli.residents.choices.RequestStatus",
        "VisitKindEnum": "linli.residents.choices.VisitKind",
        "DepartmentKindEnum": "linli.org.models.Department.Kind",
        "ReporterFlagKindEnum": "linli.reporters.choices.FlagKind",
        "NoticePlaceKindEnum": "linli.notices.choices.PlaceKind",
        "MeetingStatusEnum": "linli.deliberation.choices.MeetingStatus",
        "ActionItemStatusEnum": "linli.deliberation.choices.ActionStatus",
        "PatrolPlaceKindEnum": "linli.patrols.choices.PlaceKind",
        "PointsEntryKindEnum": "linli.reporters.choices.EntryKind",
        "ReporterOccupationEnum": "linli.reporters.choices.Occupation",
        "VolunteerKindEnum": "linli.volunteers.choices.VolunteerKind",
        "VolunteerTeamKindEnum": "linli.volunteers.choices.TeamKind",
        "VolunteerMemberRoleEnum": "linli.volunteers.choices.MemberRole",
        "ServiceRecordStatusEnum": "linli.volunteers.choices.RecordStatus",
        "InsightsReportKindEnum": "linli.insights.report_models.ReportKind",
        "ActivityKindEnum": "linli.activities.choices.ActivityKind",
        "PartnerKindEnum": "linli.partners.choices.PartnerKind",
        "StockMovementKindEnum": "linli.charity.choices.MovementKind",
        "InsightsReportStatusEnum": "linli.insights.report_models.ReportStatus",
    },
}
# The schema's own warnings are core/tests/test_openapi_schema.py's and `make schema --validate`'s to report, not
# `check --deploy`'s (CF-01): production does not serve the schema (LINLI_API_DOCS).
SPECTACULAR_SETTINGS["ENABLE_DJANGO_DEPLOY_CHECK"] = False

# Rate limits (RL-01) count in a cache every process shares: Redis when LINLI_REDIS_URL names one (required in
# production, where the check below is not silenced); otherwise each process counts on its own, enough for one
# machine's demo and for the tests.
LINLI_REDIS_URL = env_str("LINLI_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": LINLI_REDIS_URL, "KEY_PREFIX": "linli"}
        if LINLI_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_ENABLE = env_bool("LINLI_RATELIMIT", True)
SILENCED_SYSTEM_CHECKS = (
    [] if LINLI_ENV == "production" else ["django_ratelimit.E003", "django_ratelimit.W001"]
) + (
    # The insights fact indexes INCLUDE columns for PostgreSQL's index-only scans; SQLite builds them without.
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
)

TASKS = {
    "default": {
        "BACKEND": env_str("LINLI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # LG-03: whatever a library logs, ID numbers and phones are masked and line breaks encoded on the way out
    "filters": {"scrub": {"()": "linli.core.logscrub.ScrubLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": env_str("LINLI_LOG_LEVEL", "WARNING")},
}
if LINLI_AUDIT_SYSLOG:
    # LG-05: a copy of the audit log for a separate log store: syslog (host:port, UDP) or, without one, stderr.
    _syslog = env_str("LINLI_AUDIT_SYSLOG_ADDRESS", "")
    LOGGING["handlers"]["audit"] = (
        {
            "class": "logging.handlers.SysLogHandler",
            "address": (_syslog.rsplit(":", 1)[0], int(_syslog.rsplit(":", 1)[1])),
            "facility": "authpriv",
            "filters": ["scrub"],
        }
        if ":" in _syslog
        else {"class": "logging.StreamHandler", "filters": ["scrub"]}
    )
    LOGGING["loggers"] = {"linli.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False}}

# Linli's own settings.
LINLI_MAP_TILE_URL = env_str("LINLI_MAP_TILE_URL", "")  # 天地图/AMap tile template; empty = no base map
LINLI_MAP_TILE_ATTRIBUTION = env_str("LINLI_MAP_TILE_ATTRIBUTION", "")
LINLI_SWEEP_SECONDS = env_int("LINLI_SWEEP_SECONDS", 60)
LINLI_UPLOAD_MAX_BYTES = env_int("LINLI_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
LINLI_UPLOAD_MAX_FILES = env_int("LINLI_UPLOAD_MAX_FILES", 5)
LINLI_PHOTO_MAX_PIXELS = env_int("LINLI_PHOTO_MAX_PIXELS", 1600)  # longest side of a stored public photo
# The public's own base URL, printed in QR codes and tracking links (e.g. https://linli.example.gov.cn).
LINLI_PUBLIC_BASE_URL = env_str("LINLI_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Reports from the public pages (SECURITY.md RL-01): per client IP, and per phone number given.
LINLI_PUBLIC_REPORT_RATE = env_str("LINLI_PUBLIC_REPORT_RATE", "5/m")
LINLI_PUBLIC_REPORT_PHONE_RATE = env_str("LINLI_PUBLIC_REPORT_PHONE_RATE", "20/d")
# SMS gateway (HTTP): one-time codes for part-time reporters and notices to residents; empty = SMS off.
LINLI_SMS_URL = env_str("LINLI_SMS_URL", "")
LINLI_SMS_KEY_ID = env_str("LINLI_SMS_KEY_ID", "")
LINLI_SMS_SECRET = env_str("LINLI_SMS_SECRET", "")
LINLI_SMS_SIGN_NAME = env_str("LINLI_SMS_SIGN_NAME", "邻里")
# SMTP server for notices by e-mail to staff; empty host = e-mail off. USE_TLS is STARTTLS (port 587).
LINLI_EMAIL_HOST = env_str("LINLI_EMAIL_HOST", "")
LINLI_EMAIL_PORT = env_int("LINLI_EMAIL_PORT", 587)
LINLI_EMAIL_USER = env_str("LINLI_EMAIL_USER", "")
LINLI_EMAIL_PASSWORD = env_str("LINLI_EMAIL_PASSWORD", "")
LINLI_EMAIL_USE_TLS = env_bool("LINLI_EMAIL_USE_TLS", True)
LINLI_EMAIL_FROM = env_str("LINLI_EMAIL_FROM", "linli@localhost")
# Part-time reporters: points per accepted report, and the fraud guards' thresholds (docs/reporters.md).
LINLI_REPORTER_POINTS = env_int("LINLI_REPORTER_POINTS", 10)
LINLI_REPORTER_FAR_METRES = env_int("LINLI_REPORTER_FAR_METRES", 500)
LINLI_REPORTER_BURST_COUNT = env_int("LINLI_REPORTER_BURST_COUNT", 5)
LINLI_REPORTER_BURST_MINUTES = env_int("LINLI_REPORTER_BURST_MINUTES", 10)
# Care (docs/care.md): minutes each escalation level has before the next is told (one figure, or one per level),
# the category SOS cases get, how far ahead visits show as due, when someone counts as "not heard from".
LINLI_CARE_STEP_MINUTES = tuple(
    int(m) for m in env_str("LINLI_CARE_STEP_MINUTES", "5").split(",") if m.strip()
)
LINLI_CARE_CATEGORY = env_str("LINLI_CARE_CATEGORY", "ZL-JJ")
LINLI_CARE_DUE_AHEAD_DAYS = env_int("LINLI_CARE_DUE_AHEAD_DAYS", 3)
LINLI_CARE_QUIET_DAYS = env_int("LINLI_CARE_QUIET_DAYS", 7)
# calls per platform and process: far above a city's SOS rate, since a refused SOS waits for the platform's retry
LINLI_CARE_WEBHOOK_RATE = env_str("LINLI_CARE_WEBHOOK_RATE", "6000/m")
LINLI_IDEMPOTENCY_TTL_HOURS = env_int("LINLI_IDEMPOTENCY_TTL_HOURS", 24)

# Personal-data encryption (core.crypto). The key ring never sits in the database: a file readable only by
# Linli's user (created on first use outside production), or the whole ring in LINLI_KEYRING.
LINLI_KEY_SERVICE = env_str("LINLI_KEY_SERVICE", "linli.core.crypto.LocalKeyService")
LINLI_KEYRING = env_str("LINLI_KEYRING", "")
LINLI_KEYRING_FILE = env_str("LINLI_KEYRING_FILE", str(REPO_DIR / "var" / "keys" / "keyring.json"))
LINLI_KEYRING_CREATE = env_bool("LINLI_KEYRING_CREATE", LINLI_ENV != "production")
# Proxies whose X-Forwarded-For is believed for the audit log's client IP.
LINLI_TRUSTED_PROXIES = frozenset(p for p in env_str("LINLI_TRUSTED_PROXIES", "").split(",") if p)
# Exports of the registry above this many rows wait for a secretary's approval (SECURITY.md RL-03).
LINLI_EXPORT_MAX_ROWS = env_int("LINLI_EXPORT_MAX_ROWS", 2000)
# A data-subject request (PIPL §50) is answered within this many working days.
LINLI_DATA_REQUEST_WORKING_DAYS = env_int("LINLI_DATA_REQUEST_WORKING_DAYS", 15)

# Accounts security (SECURITY.md AU/SE/AC-05)
# The admin site is Linli's (three separated administrator roles, sign-in through /accounts/login/), and TOTP
# devices come from django-otp.
INSTALLED_APPS = [
    "linli.accounts.admin_apps.LinliAdminConfig" if app == "django.contrib.admin" else app
    for app in INSTALLED_APPS
] + ["django_otp", "django_otp.plugins.otp_totp"]
_auth_at = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_auth_at],
    "django_otp.middleware.OTPMiddleware",
    "linli.accounts.middleware.SessionSecurityMiddleware",
    *MIDDLEWARE[_auth_at:],
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "linli.accounts.backends.RolePermissionBackend",
]
# PBKDF2-SHA256 (Django's default, 1,000,000 iterations in 5.2) unless LINLI_PASSWORD_HASHER=pbkdf2_sm3 selects
# PBKDF2-HMAC-SM3 for a 密评 plan that asks for it; every listed hasher still verifies existing hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "linli.accounts.passwords.PBKDF2SM3PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if env_str("LINLI_PASSWORD_HASHER") == "pbkdf2_sm3":
    PASSWORD_HASHERS.insert(0, PASSWORD_HASHERS.pop(1))
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "linli.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "linli.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "linli.accounts.passwords.ContextWordsValidator"},
    {"NAME": "linli.accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
# AU-01: consecutive failures per username before it is locked, and for how long.
LINLI_LOCKOUT_FAILURES = env_int("LINLI_LOCKOUT_FAILURES", 5)
LINLI_LOCKOUT_MINUTES = env_int("LINLI_LOCKOUT_MINUTES", 30)
# AU-03: password lifetime for staff in days (0 = never expires; the default outside production).
LINLI_PASSWORD_MAX_AGE_DAYS = env_int("LINLI_PASSWORD_MAX_AGE_DAYS", 90 if LINLI_ENV == "production" else 0)
# AU-05: an initial password set by an administrator is valid this long; accounts unused this long are disabled.
LINLI_INITIAL_PASSWORD_HOURS = env_int("LINLI_INITIAL_PASSWORD_HOURS", 72)
LINLI_IDLE_ACCOUNT_DAYS = env_int("LINLI_IDLE_ACCOUNT_DAYS", 90)
# AU-04: TOTP as the second factor of every password sign-in (always asked once a device is confirmed).
LINLI_MFA_REQUIRED = env_bool("LINLI_MFA_REQUIRED", LINLI_ENV == "production")
OTP_TOTP_ISSUER = "Linli 邻里"
# SE-01/SE-03: idle and absolute session lifetimes (absolute = SESSION_COOKIE_AGE), API tokens' lifetime, and
# how many browser sessions a staff user may keep.
LINLI_SESSION_IDLE_MINUTES = env_int("LINLI_SESSION_IDLE_MINUTES", 15)
LINLI_TOKEN_HOURS = env_int("LINLI_TOKEN_HOURS", 8)
LINLI_MAX_SESSIONS = env_int("LINLI_MAX_SESSIONS", 3)
