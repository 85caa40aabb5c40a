"""Test settings: fresh random keys per run, fast hashing; SQLite in memory unless DATABASE_URL says otherwise."""

import base64
import os
import secrets

os.environ.setdefault("DANGWU_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DANGWU_FIELD_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("DANGWU_HASH_KEY", secrets.token_hex(32))

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
