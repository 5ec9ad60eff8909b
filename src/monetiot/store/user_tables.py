"""Console tables: user accounts and browser sessions.

Invariants kept by constraints: an email is unique within a tenant; a customer user belongs to
a customer of the same tenant. Passwords are stored only as scrypt hashes, session tokens only
as SHA-256 hashes (the token itself lives in the browser's cookie and nowhere else).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from monetiot.store.schema import ID, metadata

# role: operator (the whole tenant) or customer (the portal of `customer_id` only).
users = Table(
    "users",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(40), nullable=False),
    Column("email", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    Column("customer_id", String(ID)),
    Column("created_ms", BigInteger, nullable=False),
    Column("disabled_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "email", name="uq_users_email"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
)

# A signed-in browser. `id` is the SHA-256 of the cookie's token, so it is found without knowing
# the tenant (like an API key). Exactly one of `user_id` and `key_id` says who signed in.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("user_id", String(40)),
    Column("key_id", String(32)),
    Column("role", String(12), nullable=False),
    Column("customer_id", String(ID)),
    Column("csrf_token", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    Index("ix_console_sessions_user", "tenant_id", "user_id"),
    Index("ix_console_sessions_expires", "expires_ms"),
)
