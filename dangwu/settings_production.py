"""Production settings: the development settings with the hardening turned on.

DJANGO_SETTINGS_MODULE=dangwu.settings_production. Two factors for cadres are on unless
DANGWU_REQUIRE_2FA=false; debug is off unless DANGWU_DEBUG=true.
"""

import os

from .settings import *  # noqa: F403
from .settings import SILENCED_SYSTEM_CHECKS, STORAGES, _env_bool

DEBUG = _env_bool("DANGWU_DEBUG", False)
DANGWU_REQUIRE_2FA = _env_bool("DANGWU_REQUIRE_2FA", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("DANGWU_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DANGWU_HSTS_SECONDS", "31536000"))
# HSTS for every subdomain too: a page on an http:// subdomain could otherwise set cookies for the
# platform's domain. Preload (the browsers' built-in HTTPS list) is a setting: the header allows a
# submission to the list, which only a public domain can make and which takes months to undo. A
# deployment that turns it off says so (DANGWU_HSTS_PRELOAD=false), and check --deploy then stops
# warning about it (security.W021): a decision, not an oversight.
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DANGWU_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("DANGWU_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]
ALLOWED_HOSTS = [h for h in os.environ.get("DANGWU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# `manage.py collectstatic` fills STATIC_ROOT with hashed, compressed copies; WhiteNoise serves those only.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
WHITENOISE_USE_FINDERS = False
