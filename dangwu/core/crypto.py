"""Field encryption at rest (Fernet, AES-128-CBC + HMAC) and keyed lookup hashes (HMAC-SHA256).

Keys come from the environment or the key file (see settings); never from the repository.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@functools.cache
def _fernet() -> Fernet:
    return Fernet(settings.DANGWU_FIELD_KEY.encode())


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash for exact-match search without storing the value in clear."""
    if not value:
        return ""
    return hmac.new(settings.DANGWU_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
