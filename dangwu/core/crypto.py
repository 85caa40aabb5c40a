"""Field encryption at rest (Fernet, AES-128-CBC + HMAC) and keyed lookup hashes (HMAC-SHA256).

Keys come from the environment or the key file (see settings); never from the repository.
DANGWU_FIELD_KEY may list several keys separated by commas: the first encrypts, all decrypt
(key rotation: put the new key first, re-encrypt, then drop the old one).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(RuntimeError):
    """A stored value does not open with the configured keys: a key is missing or wrong."""


@functools.cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in settings.DANGWU_FIELD_KEY.split(",") if key.strip()])


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
        # Never answer "" here: an edit would then see an empty ID number and ask for one.
        raise DecryptionError("a stored value does not decrypt with DANGWU_FIELD_KEY") from None


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash for exact-match search without storing the value in clear."""
    if not value:
        return ""
    return hmac.new(settings.DANGWU_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
