"""Console users and browser sessions: who may open the operator console or a customer portal.

Invariants:
- A user belongs to one tenant; its email is unique there. Role `operator` sees the whole
  tenant; role `customer` sees only its `customer_id`'s portal.
- Passwords are generated, shown once, and stored only as scrypt hashes (stdlib `hashlib`);
  checking an unknown email costs as much as checking a wrong password.
- A session is a random 256-bit token held in the browser's cookie; the store keeps its
  SHA-256 only. It expires `SESSION_MS` after sign-in, and ends earlier on sign-out, when its
  user is disabled, or when the admin key it was opened with is revoked.
- Each session has its own CSRF token, which every form that changes something must send back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from monetiot.services import access, credentials
from monetiot.store import registry
from monetiot.store import users as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
ROLES = ("operator", "customer")
SESSION_MS = 12 * 3_600_000
# scrypt cost: 16 MiB and ~50 ms per check on one core (OWASP's minimum is N=2^17 with r=8 for
# interactive logins on dedicated servers; this keeps sign-in fast on small demo machines).
_N, _R, _P = 2**14, 8, 1
_DUMMY_HASH = ""  # computed on first use, for equal-cost checks of unknown emails


# passwords ------------------------------------------------------------------------------------

def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
    salt, expected = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                            maxmem=256 * n * r + 1024 * 1024)
    return hmac.compare_digest(digest, expected)


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if not _DUMMY_HASH:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


# users ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewUser:
    user: Row
    password: str  # shown once


def normalize_email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be an email address", field="email")
    email = value.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or not domain or len(email) > 200 or any(c.isspace() for c in email):
        raise InvalidInput(f"not an email address: {value!r}", field="email")
    return email


def create_user(uow: UnitOfWork, now_ms: int, tenant: str, email: str, role: str,
                customer: str | None = None) -> NewUser:
    """A user with a generated password (returned once; only its hash is stored)."""
    address = normalize_email(email)
    if role not in ROLES:
        raise InvalidInput(f"must be one of {', '.join(ROLES)}", field="role")
    if role == "customer" and not customer:
        raise InvalidInput("a customer user needs --customer", field="customer")
    if role == "operator" and customer:
        raise InvalidInput("an operator sees every customer; give no customer", field="customer")
    if registry.get_tenant(uow.conn, tenant) is None:
        raise NotFound(f"no tenant {tenant!r}", field="tenant")
    if customer and registry.get_customer(uow.conn, tenant, customer) is None:
        raise NotFound(f"no customer {customer!r}", field="customer")
    if store.user_by_email(uow.conn, tenant, address) is not None:
        raise Conflict(f"a user {address!r} exists", field="email")
    password = secrets.token_urlsafe(12)
    row = {"tenant_id": tenant, "id": f"usr_{uuid.uuid4().hex[:16]}", "email": address,
           "password_hash": hash_password(password), "role": role,
           "customer_id": customer or None, "created_ms": now_ms, "disabled_ms": None}
    try:
        store.insert_user(uow.conn, row)
    except IntegrityError:
        raise Conflict(f"a user {address!r} exists", field="email") from None
    uow.commit()
    return NewUser(user_view(row), password)


def user_view(row: Row) -> Row:
    return {"id": row["id"], "email": row["email"], "role": row["role"],
            "customer": row["customer_id"], "created_ms": row["created_ms"],
            "disabled_ms": row["disabled_ms"]}


def list_users(uow: UnitOfWork, tenant: str) -> list[Row]:
    return [user_view(r) for r in store.list_users(uow.conn, tenant)]


def _user_by_email(uow: UnitOfWork, tenant: str, email: str) -> Row:
    row = store.user_by_email(uow.conn, tenant, normalize_email(email))
    if row is None:
        raise NotFound(f"no user {email!r}", field="email")
    return row


def reset_password(uow: UnitOfWork, tenant: str, email: str) -> NewUser:
    """A new generated password (shown once); the user's open sessions end."""
    row = _user_by_email(uow, tenant, email)
    password = secrets.token_urlsafe(12)
    store.update_user(uow.conn, tenant, row["id"], {"password_hash": hash_password(password)})
    store.delete_user_sessions(uow.conn, tenant, row["id"])
    uow.commit()
    return NewUser(user_view(row), password)


def disable_user(uow: UnitOfWork, now_ms: int, tenant: str, email: str) -> Row:
    """The user can no longer sign in, and its open sessions end now."""
    row = _user_by_email(uow, tenant, email)
    store.update_user(uow.conn, tenant, row["id"], {"disabled_ms": now_ms})
    store.delete_user_sessions(uow.conn, tenant, row["id"])
    uow.commit()
    return user_view(row | {"disabled_ms": now_ms})


# sessions -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """Who a browser is signed in as. `customer` is set exactly when role is customer."""

    id: str  # SHA-256 of the token
    tenant: str
    role: str
    customer: str | None
    user_id: str | None
    key_id: str | None
    label: str  # what the page header shows: an email, or "admin key <id>"
    csrf_token: str
    expires_ms: int

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token.encode(),
                                                  str(sent).encode())


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; never stored
    session: ConsoleSession


def sign_in_password(uow: UnitOfWork, now_ms: int, tenant: str, email: str,
                     password: str) -> NewSession:
    row = store.user_by_email(uow.conn, tenant.strip(), email.strip().lower())
    if row is None or row["disabled_ms"] is not None:
        check_password(password, _dummy_hash())  # same cost as a wrong password
        raise Unauthorized("unknown email or wrong password")
    if not check_password(password, row["password_hash"]):
        raise Unauthorized("unknown email or wrong password")
    return _open(uow, now_ms, {"tenant_id": row["tenant_id"], "user_id": row["id"],
                               "key_id": None, "role": row["role"],
                               "customer_id": row["customer_id"]}, row["email"])


def sign_in_key(uow: UnitOfWork, now_ms: int, key: str) -> NewSession:
    """An operator session for the tenant of an admin API key."""
    principal = access.authenticate_key(uow, key.strip())
    if principal.scope != "admin":
        raise Forbidden("only an admin key opens the console", field="key")
    return _open(uow, now_ms, {"tenant_id": principal.tenant, "user_id": None,
                               "key_id": principal.key_id, "role": "operator",
                               "customer_id": None}, f"admin key {principal.key_id}")


def _open(uow: UnitOfWork, now_ms: int, who: Row, label: str) -> NewSession:
    token = secrets.token_urlsafe(32)
    row = who | {"id": credentials.sha256_hex(token), "csrf_token": secrets.token_urlsafe(32),
                 "created_ms": now_ms, "expires_ms": now_ms + SESSION_MS}
    store.delete_expired_sessions(uow.conn, now_ms)
    store.insert_session(uow.conn, row)
    uow.commit()
    return NewSession(token, _session(row, label))


def _session(row: Row, label: str) -> ConsoleSession:
    return ConsoleSession(id=row["id"], tenant=row["tenant_id"], role=row["role"],
                          customer=row["customer_id"], user_id=row["user_id"],
                          key_id=row["key_id"], label=label, csrf_token=row["csrf_token"],
                          expires_ms=row["expires_ms"])


def session_for(uow: UnitOfWork, now_ms: int, token: str) -> ConsoleSession:
    """The live session a cookie's token names, or Unauthorized."""
    row = store.get_session(uow.conn, credentials.sha256_hex(token)) if token else None
    if row is None or row["expires_ms"] <= now_ms:
        raise Unauthorized("sign in again: the session ended")
    if row["user_id"] is not None:
        user = store.get_user(uow.conn, row["tenant_id"], row["user_id"])
        if user is None or user["disabled_ms"] is not None:
            raise Unauthorized("sign in again: the session ended")
        label = str(user["email"])
    else:
        key = registry.get_api_key(uow.conn, str(row["key_id"]))
        if key is None or key["revoked_ms"] is not None or key["tenant_id"] != row["tenant_id"]:
            raise Unauthorized("sign in again: the API key was revoked")
        label = f"admin key {row['key_id']}"
    return _session(row, label)


def sign_out(uow: UnitOfWork, token: str) -> None:
    if token:
        store.delete_session(uow.conn, credentials.sha256_hex(token))
        uow.commit()
