"""Tenants, API keys and authentication.

Keys carry a scope: `admin` (everything), `ingest` (send events), `read` (read-only). A device
authenticates as `TENANT/DEVICE` with its own password and may only send events as itself.
The tenant always comes from the credentials, never from what a request names.
"""

from __future__ import annotations

from dataclasses import dataclass

from monetiot.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from monetiot.domain.fleet import check_id, check_name
from monetiot.domain.pages import Page, PageRequest
from monetiot.services import credentials
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

SCOPES = ("admin", "ingest", "read")


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: str
    scope: str  # admin | ingest | read | device
    key_id: str | None = None
    device: str | None = None

    def require(self, scope: str) -> None:
        """`read` is satisfied by admin and read keys; `ingest` by admin, ingest and devices."""
        allowed = {
            "admin": {"admin"},
            "read": {"admin", "read"},
            "ingest": {"admin", "ingest", "device"},
        }[scope]
        if self.scope not in allowed:
            raise Forbidden(f"this key's scope ({self.scope}) does not allow {scope}")


@dataclass(frozen=True, slots=True)
class NewKey:
    id: str
    key: str  # shown once
    scope: str


def create_tenant(uow: UnitOfWork, now_ms: int, tenant_id: str, name: str) -> NewKey:
    """A tenant and its first admin key (the only time the key is shown)."""
    check_id(tenant_id, "id")
    if "/" in tenant_id:
        raise InvalidInput("must not contain '/'", field="id")
    if registry.get_tenant(uow.conn, tenant_id) is not None:
        raise Conflict(f"tenant {tenant_id!r} exists", field="id")
    registry.insert_tenant(uow.conn, {"id": tenant_id,
                                      "name": check_name(name, "name", tenant_id),
                                      "created_ms": now_ms})
    key = _add_key(uow, now_ms, tenant_id, "admin", "initial admin key")
    uow.commit()
    return key


def create_api_key(uow: UnitOfWork, now_ms: int, tenant: str, scope: str, name: str) -> NewKey:
    if scope not in SCOPES:
        raise InvalidInput(f"must be one of {', '.join(SCOPES)}", field="scope")
    if registry.get_tenant(uow.conn, tenant) is None:
        raise NotFound(f"no tenant {tenant!r}", field="tenant")
    key = _add_key(uow, now_ms, tenant, scope, name)
    uow.commit()
    return key


def _add_key(uow: UnitOfWork, now_ms: int, tenant: str, scope: str, name: str) -> NewKey:
    key_id, key, secret_hash = credentials.new_api_key()
    registry.insert_api_key(uow.conn, {
        "id": key_id, "tenant_id": tenant, "name": check_name(name, "name", scope),
        "scope": scope,
        "secret_hash": secret_hash, "created_ms": now_ms, "revoked_ms": None,
    })
    return NewKey(id=key_id, key=key, scope=scope)


def revoke_api_key(uow: UnitOfWork, now_ms: int, tenant: str, key_id: str) -> None:
    if not registry.revoke_api_key(uow.conn, tenant, key_id, now_ms):
        raise NotFound(f"no active key {key_id!r}", field="key_id")
    uow.commit()


def list_api_keys(uow: UnitOfWork, tenant: str,
                  page: PageRequest | None = None) -> Page[dict[str, object]]:
    rows = registry.list_api_keys(uow.conn, tenant, page)
    return Page([{"id": r["id"], "name": r["name"], "scope": r["scope"],
                  "created_ms": r["created_ms"], "revoked_ms": r["revoked_ms"]} for r in rows],
                rows.next_cursor)


def require_tenant(uow: UnitOfWork, tenant: str) -> None:
    if registry.get_tenant(uow.conn, tenant) is None:
        raise NotFound(f"no tenant {tenant!r} (create it with `monetiot tenants create`)",
                       field="tenant")


def authenticate_key(uow: UnitOfWork, key: str) -> Principal:
    parts = credentials.split_api_key(key)
    if parts is None:
        raise Unauthorized("not a monetiot API key")
    row = registry.get_api_key(uow.conn, parts[0])
    if row is None or not credentials.same(row["secret_hash"], credentials.sha256_hex(parts[1])):
        raise Unauthorized("unknown API key")
    if row["revoked_ms"] is not None:
        raise Unauthorized("this API key was revoked")
    return Principal(tenant=row["tenant_id"], scope=row["scope"], key_id=row["id"])


def authenticate_device(uow: UnitOfWork, username: str, password: str) -> Principal:
    tenant, _, device = username.partition("/")
    row = registry.get_device(uow.conn, tenant, device) if device else None
    if row is None or not row["secret_hash"] or not credentials.check_device_password(
        password, row["secret_hash"]
    ):
        raise Unauthorized("unknown device or wrong password")
    return Principal(tenant=tenant, scope="device", device=device)
