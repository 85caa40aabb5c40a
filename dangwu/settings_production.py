"""Production settings: the development settings with the hardening turned on."""

import os

os.environ.setdefault("DANGWU_DEBUG", "false")
os.environ.setdefault("DANGWU_REQUIRE_2FA", "true")

from .settings import *  # noqa: E402,F403

DEBUG = False
DANGWU_REQUIRE_2FA = _env_bool("DANGWU_REQUIRE_2FA", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
