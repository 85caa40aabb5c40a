"""Test settings: fresh random keys per run, fast hashing; SQLite in memory unless DATABASE_URL says otherwise."""

import atexit
import base64
import os
import secrets
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DANGWU_SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("DANGWU_FIELD_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("DANGWU_HASH_KEY", secrets.token_hex(32))

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True

# Tasks run at once, inside the request that enqueues them: `make test` needs no worker, and
# the in-memory SQLite database of a test cannot be reached from a worker process anyway.
# (docs/decisions/0005-import-tasks.md)
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# No heartbeat thread: another thread cannot reach the in-memory test database (core.runs.heartbeat).
DANGWU_TASK_HEARTBEAT_SECONDS = 0
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dangwu-test-media-"))  # uploads and error reports of the tests
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# A service that records other audit entries than it declares fails its test (core.audit.audited).
DANGWU_AUDIT_CONTRACT = "raise"
