"""Create the key file once (var/keys.json, mode 600) when it does not exist.

The keys never live in the repository: the Django secret key, the Fernet key that
encrypts ID and phone numbers at rest, and the HMAC key of their lookup hashes.
Running it again keeps the existing keys, so data encrypted with them stays readable.
"""

import base64
import json
import os
import secrets
import sys
from pathlib import Path


def main() -> int:
    path = Path(os.environ.get("DANGWU_KEY_FILE", Path(__file__).resolve().parent.parent / "var" / "keys.json"))
    if path.exists():
        print(f"keys: keeping {path}")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "hash_key": secrets.token_hex(32),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f, indent=2)
    print(f"keys: created {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
