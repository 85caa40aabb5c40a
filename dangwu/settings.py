"""Settings of the e-party-affairs platform: the embedded default that `make run` serves (SQLite, plain
HTTP on this machine, debug off); settings_production adds HTTPS, two factors and hashed static files.

Everything a deployment changes comes from the environment:
DATABASE_URL, DANGWU_KEY_FILE (or DANGWU_SECRET_KEY / DANGWU_FIELD_KEY / DANGWU_HASH_KEY),
DANGWU_REQUIRE_2FA, DANGWU_AUDIT_HASH (sha256 | sm3), DANGWU_ALLOWED_HOSTS, DANGWU_DEBUG.
"""

import json
import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _load_keys() -> dict[str, str]:
    keys = {
        "secret_key": os.environ.get("DANGWU_SECRET_KEY", ""),
        "field_key": os.environ.get("DANGWU_FIELD_KEY", ""),
        "hash_key": os.environ.get("DANGWU_HASH_KEY", ""),
    }
    key_file = Path(os.environ.get("DANGWU_KEY_FILE", BASE_DIR / "var" / "keys.json"))
    if not all(keys.values()) and key_file.exists():
        stored = json.loads(key_file.read_text())
        for name, value in keys.items():
            keys[name] = value or stored.get(name, "")
    missing = [name for name, value in keys.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"Missing keys {missing}: run `python scripts/make_keys.py` (make run does) "
            "or set DANGWU_SECRET_KEY, DANGWU_FIELD_KEY and DANGWU_HASH_KEY."
        )
    return keys


KEYS = _load_keys()
SECRET_KEY = KEYS["secret_key"]
DANGWU_FIELD_KEY = KEYS["field_key"]
DANGWU_HASH_KEY = KEYS["hash_key"]

# Debug pages only when a developer asks (`make dev` sets DANGWU_DEBUG=1): with DEBUG on, a 404 shows
# Django's English page with every URL pattern of the site to whoever mistypes an address.
DEBUG = _env_bool("DANGWU_DEBUG", False)
# This machine by default (`make run` binds 127.0.0.1); a deployment names its host names.
ALLOWED_HOSTS = [h for h in os.environ.get("DANGWU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "dangwu.core",
    "dangwu.orgs",
    "dangwu.members",
    "dangwu.dues",
    "dangwu.development",
    "dangwu.orglife",
    "dangwu.elections",
    # The top floor: last; they may import every app below and none imports them (decision 0015).
    "dangwu.home",
    "dangwu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangwu.core.csp.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "dangwu.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dangwu.core.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangwu.urls"
WSGI_APPLICATION = "dangwu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangwu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangwu.core.csp.csp",
                "dangwu.home.context_processors.navigation",
                "dangwu.core.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # IMMEDIATE transactions take the write lock at BEGIN: writers queue instead of
    # failing half-way, and the audit chain's head row is read under that lock.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parallel query off for the platform's own connections (docs/decisions/0009): its queries are
    # short and many run at once; on the 2-core bench machine a name search took 89.6 ms p50 with
    # two parallel workers and 21.4 ms without. Batch work that gains from it (roll-up rebuilds)
    # raises it inside its own transaction (DANGWU_PG_BATCH_PARALLEL_WORKERS).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={int(os.environ.get('DANGWU_PG_PARALLEL_WORKERS', '0'))}")
DANGWU_PG_BATCH_PARALLEL_WORKERS = int(os.environ.get("DANGWU_PG_BATCH_PARALLEL_WORKERS", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The organization model, named for core (which imports no app), as AUTH_USER_MODEL names the user's.
DANGWU_ORGANIZATION_MODEL = "orgs.Organization"

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home:home"

# Sessions: 30 idle minutes, 12 hours in all (checked by SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
DANGWU_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True

# Lockout: five failures lock the account (per username) for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangwu.core.views.lockout_response"
AXES_VERBOSE = False

# Two-factor login for cadre roles (django-otp TOTP). Off for `make run`, on in production.
DANGWU_REQUIRE_2FA = _env_bool("DANGWU_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "电子党务平台"
DANGWU_API_TOKEN_HOURS = int(os.environ.get("DANGWU_API_TOKEN_HOURS", "12"))
# Password rotation: off unless a deployment sets a number of days.
DANGWU_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DANGWU_PASSWORD_MAX_AGE_DAYS", "0"))

# Audit chain digest: "sha256" (default) or "sm3" (GB/T 32905).
DANGWU_AUDIT_HASH = os.environ.get("DANGWU_AUDIT_HASH", "sha256")
# A service that records other audit entries than the one it declares (core.audit.audited):
# "log" in production (the write stands, the mismatch is logged), "raise" in the tests.
DANGWU_AUDIT_CONTRACT = os.environ.get("DANGWU_AUDIT_CONTRACT", "log")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dangwu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", _NODE / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/echarts", _NODE / "echarts" / "dist"),
]
STATICFILES_DIRS = [BASE_DIR / "dangwu" / "static"] + [
    (prefix, path) for prefix, path in STATICFILES_DIRS if path.exists()
]
# Uploaded files (roster imports and their error reports) live outside the code, under var/.
MEDIA_ROOT = Path(os.environ.get("DANGWU_MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"  # never served directly: downloads go through views that check scope

# Background work (Django Tasks API, django-tasks backport): the database backend, run by
# `manage.py db_worker` (make run starts one). See docs/decisions/0005-import-tasks.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Interrupted runs (decision 0021): a running task writes a heartbeat every HEARTBEAT seconds; a run
# without one for STALE seconds lost its worker and `manage.py recover_interrupted_work` fails it
# (and deletes its upload); files under media/ that no run names are deleted once ORPHAN_MIN_AGE old.
DANGWU_TASK_HEARTBEAT_SECONDS = float(os.environ.get("DANGWU_TASK_HEARTBEAT_SECONDS", "10"))
DANGWU_TASK_STALE_SECONDS = float(os.environ.get("DANGWU_TASK_STALE_SECONDS", "120"))
DANGWU_ORPHAN_MIN_AGE_SECONDS = float(os.environ.get("DANGWU_ORPHAN_MIN_AGE_SECONDS", "3600"))

# Notifications (decision 0025). Email through Django's email backends: the console under `make run`
# (the messages appear in its log), SMTP in a deployment (DANGWU_EMAIL_BACKEND=
# django.core.mail.backends.smtp.EmailBackend with Django's EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL); DANGWU_NOTIFY_EMAIL=0 sends none.
# SMS and WeChat template messages: the class of the province's provider (dotted path); the default
# logs what it would send. A delivery that fails is tried again RETRIES times, RETRY_SECONDS apart
# (doubling each time), then marked failed. DANGWU_SITE_URL makes the links of emails absolute.
EMAIL_BACKEND = os.environ.get("DANGWU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dangwu@localhost")
DANGWU_NOTIFY_EMAIL = _env_bool("DANGWU_NOTIFY_EMAIL", True)
DANGWU_NOTIFY_EMAIL_BACKEND = "dangwu.core.notify_backends.EmailBackend"
DANGWU_SMS_BACKEND = os.environ.get("DANGWU_SMS_BACKEND", "dangwu.core.notify_backends.LoggingBackend")
DANGWU_WECHAT_BACKEND = os.environ.get("DANGWU_WECHAT_BACKEND", "dangwu.core.notify_backends.LoggingBackend")
DANGWU_NOTIFY_RETRIES = int(os.environ.get("DANGWU_NOTIFY_RETRIES", "3"))
DANGWU_NOTIFY_RETRY_SECONDS = float(os.environ.get("DANGWU_NOTIFY_RETRY_SECONDS", "60"))
DANGWU_SITE_URL = os.environ.get("DANGWU_SITE_URL", "").rstrip("/")

# Roster import limits: larger files are refused with a message before anything is read.
DANGWU_ROSTER_MAX_BYTES = int(os.environ.get("DANGWU_ROSTER_MAX_BYTES", str(100 * 1024 * 1024)))
DANGWU_ROSTER_MAX_ROWS = int(os.environ.get("DANGWU_ROSTER_MAX_ROWS", "1000000"))
# Every .xlsx an import reads is checked part by part before it is opened (docs/decisions/0022):
# no part may unpack to more than (the import's row limit + 1 010 rows) × XLSX_ROW_BYTES, or more
# than XLSX_MAX_RATIO times its packed size (parts over 1 MB); its sheets are scanned for rows past
# the limit and cells past column AZ. The roster's row limit sets what a worker may need for one
# roster (about 1.7 GB for calamine's layout of a full 52-column sheet at 1 000 000 rows).
DANGWU_XLSX_ROW_BYTES = int(os.environ.get("DANGWU_XLSX_ROW_BYTES", str(8 * 1024)))
DANGWU_XLSX_MAX_RATIO = int(os.environ.get("DANGWU_XLSX_MAX_RATIO", "200"))
# Dues declarations sheets (党费基数申报表): at most this large, read by a background task.
DANGWU_DECLARATION_MAX_BYTES = int(os.environ.get("DANGWU_DECLARATION_MAX_BYTES", str(10 * 1024 * 1024)))
# Roster exports of more members than this are built by a background task with a progress bar
# (the page polls it); smaller ones download at once. Their files are deleted after KEEP_HOURS.
DANGWU_EXPORT_INLINE_ROWS = int(os.environ.get("DANGWU_EXPORT_INLINE_ROWS", "5000"))
DANGWU_EXPORT_KEEP_HOURS = int(os.environ.get("DANGWU_EXPORT_KEEP_HOURS", "24"))
# A roster that passed 仅校验 keeps its upload (full ID numbers in clear) this long, to be imported
# without choosing the file again; then it is deleted (decision 0005).
DANGWU_IMPORT_KEEP_HOURS = int(os.environ.get("DANGWU_IMPORT_KEEP_HOURS", "24"))
# Transfers (组织关系转接): a letter of introduction is valid this many calendar months (the
# regulations' usual 3), or this many days when DANGWU_TRANSFER_LETTER_DAYS is set (it wins).
DANGWU_TRANSFER_LETTER_MONTHS = int(os.environ.get("DANGWU_TRANSFER_LETTER_MONTHS", "3"))
DANGWU_TRANSFER_LETTER_DAYS = int(os.environ.get("DANGWU_TRANSFER_LETTER_DAYS", "0"))
# Mobile members (流动党员): a 流动党员活动证 is valid this many months unless a date is given.
DANGWU_MOBILE_CERT_MONTHS = int(os.environ.get("DANGWU_MOBILE_CERT_MONTHS", "12"))
# 换届提醒: a committee whose term ends within this many months is flagged on its page and on the
# to-do list of the cadres above it (the election plan goes up for approval in time).
DANGWU_TERM_NOTICE_MONTHS = int(os.environ.get("DANGWU_TERM_NOTICE_MONTHS", "6"))

# Recruitment (发展党员): the 公示 before the admission vote lasts this many working days (Monday–Friday);
# a reminder shows when a person in the pipeline wrote no thought report (思想汇报) in this many days.
DANGWU_PUBLICITY_WORKING_DAYS = int(os.environ.get("DANGWU_PUBLICITY_WORKING_DAYS", "5"))
DANGWU_THOUGHT_REPORT_DAYS = int(os.environ.get("DANGWU_THOUGHT_REPORT_DAYS", "90"))
# Organizational life: a meeting's QR check-in opens this many minutes before its start and closes at its end.
DANGWU_CHECKIN_OPENS_MINUTES = int(os.environ.get("DANGWU_CHECKIN_OPENS_MINUTES", "30"))
# Meeting materials (会议材料) and minutes attachments (会议记录附件): each file at most this large
# (docs/decisions/0028-meeting-files.md); PDF, Word, Excel, text and images, checked for 密级 markings.
DANGWU_MEETING_FILE_MAX_BYTES = int(os.environ.get("DANGWU_MEETING_FILE_MAX_BYTES", str(20 * 1024 * 1024)))
# Attendees are reminded of a meeting this many minutes before it starts (a deferred task: orglife.tasks).
DANGWU_MEETING_REMINDER_MINUTES = int(os.environ.get("DANGWU_MEETING_REMINDER_MINUTES", "60"))
# The province's own templates of the recruitment documents (谈话记实表 …): a folder; a .docx there with
# the name of a default template (dangwu/development/docx_templates/) replaces it.
DANGWU_DOCX_TEMPLATES = os.environ.get("DANGWU_DOCX_TEMPLATES", "")

# Static files: WhiteNoise serves them. The embedded default serves them straight from the sources
# above (Django's finders: `make run` needs no collectstatic and never serves a stale copy);
# settings_production serves the collected, hashed and compressed copy in STATIC_ROOT instead.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")  # STATIC_ROOT unused here

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content-Security-Policy (dangwu.core.csp, decision 0024): scripts only from this site or inline with
# the request's nonce, and nothing from elsewhere (no CDN: government intranets have no internet).
# Styles: <style> blocks need the nonce (style-src-elem), style attributes stay allowed
# (style-src-attr): the templates' widths and progress bars, ECharts' tooltips and Bootstrap's
# popovers write them; style-src, which only browsers without CSP level 3 read, allows both.
# img-src data: for Bootstrap's icons in its CSS (the select arrow, the close button).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "style-src-elem": ["'self'", "'nonce'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features the platform never uses, off for every page (and for anything injected into one).
DANGWU_PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb"))

# A form sent with a stale CSRF token gets the site's Chinese page, not Django's English one.
CSRF_FAILURE_VIEW = "dangwu.core.views.csrf_failure_view"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangwu.core.api_auth.OTPTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dangwu.core.access.DenyAll"],
    # `?page=` is a whole number from 1 (400 otherwise), as the schema says (core.pagination).
    "DEFAULT_PAGINATION_CLASS": "dangwu.core.pagination.ApiPageNumberPagination",
    "PAGE_SIZE": 50,
    # Every operation's 400/401/403/404 answers in the schema (core.schema; issue 12).
    "DEFAULT_SCHEMA_CLASS": "dangwu.core.schema.ErrorAnswersSchema",
    "EXCEPTION_HANDLER": "dangwu.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "电子党务平台 API",
    "DESCRIPTION": "REST API of the e-party-affairs platform. Every answer is limited to the caller's scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request and response bodies as separate components: a read-only field is not asked for, a
    # write-only one not promised, and a field that refuses blanks says minLength: 1 where it is sent.
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for each choice set used by several fields (without them `check --deploy` warns and the
    # names are hashes such as Code09dEnum that change with the choices).
    "ENUM_NAME_OVERRIDES": {
        "StepCodeEnum": "dangwu.development.models.STEP_CHOICES",
        "CandidateStatusEnum": "dangwu.development.models.Candidate.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # the default SMS and WeChat backends write what they would send here (core.notify_backends)
    "loggers": {"axes": {"level": "WARNING"}, "dangwu.notify": {"level": "INFO"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # lockout is per account by design (see docs/admin-guide.md)

# 民主评议党员 (elections, decision 0032): the suggestion from the mutual rating — 优秀 needs more
# than this share of the ratings cast for the member, and at most this share of the roster
# (rounded down) is suggested 优秀. Fractions as text ("1/2", "3/10") or decimals ("0.3").
DANGWU_EVALUATION_EXCELLENT_SHARE = os.environ.get("DANGWU_EVALUATION_EXCELLENT_SHARE", "1/2")
DANGWU_EVALUATION_EXCELLENT_QUOTA = os.environ.get("DANGWU_EVALUATION_EXCELLENT_QUOTA", "3/10")
