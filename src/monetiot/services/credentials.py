"""Secrets: API keys and device passwords, generated once and stored only as hashes.

API keys look like `mk_<id>_<secret>`: the id finds the row, the secret is checked against a
SHA-256 hash (the secret is 192 random bits, so a slow hash adds nothing). Device passwords are
stored as PBKDF2-SHA512 in Mosquitto's `$7$` format, so the same hash serves the broker's password
file and monetiot's own HTTP check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_PBKDF2_ROUNDS = 101  # Mosquitto's default for $7$ hashes


def new_api_key() -> tuple[str, str, str]:
    """(key id, full key to show once, hash to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    return key_id, f"mk_{key_id}_{secret}", sha256_hex(secret)


def split_api_key(key: str) -> tuple[str, str] | None:
    if not key.startswith("mk_"):
        return None
    parts = key[3:].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_device_password() -> tuple[str, str]:
    """(password to show once, Mosquitto-compatible hash to store)."""
    password = secrets.token_urlsafe(18)
    return password, mosquitto_hash(password)


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _PBKDF2_ROUNDS)
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$7${_PBKDF2_ROUNDS}${encoded[0]}${encoded[1]}"


def check_device_password(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    rounds, salt = int(parts[2]), base64.b64decode(parts[3])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return hmac.compare_digest(base64.b64encode(digest).decode(), parts[4])
