"""The tables. Every row belongs to a tenant; every primary key starts with `tenant_id`.

Times are UTC epoch milliseconds (BIGINT). Exact quantities use `ExactDecimal`. Event payloads are
JSON text whose numbers keep their exact digits.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from monetiot.store.types import ExactDecimal

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 100  # length of user-chosen identifiers

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("revoked_ms", BigInteger),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

customers = Table(
    "customers",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("timezone", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

device_profiles = Table(
    "device_profiles",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("spec", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

devices = Table(
    "devices",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("profile_id", String(ID)),
    Column("secret_hash", String(200)),
    Column("created_ms", BigInteger, nullable=False),
    Column("last_seen_ms", BigInteger),
    Column("reported_state", String(10)),
    Column("reported_ms", BigInteger),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

# Who a device belonged to, and when. Intervals are [valid_from_ms, valid_to_ms); the open one has
# valid_to_ms NULL. Reassigning closes the open interval: history is never rewritten.
assignments = Table(
    "assignments",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("valid_from_ms", BigInteger, nullable=False),
    Column("valid_to_ms", BigInteger),
    Column("customer_id", String(ID), nullable=False),
    PrimaryKeyConstraint("tenant_id", "device_id", "valid_from_ms"),
    ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"]),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index("ix_assignments_customer", "tenant_id", "customer_id", "valid_from_ms"),
)

events = Table(
    "events",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(200), nullable=False),
    Column("type", String(200), nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("device_id", String(ID)),
    Column("customer_id", String(ID)),
    Column("data", Text, nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("voided_ms", BigInteger),  # set when an operator voided it (see event_voids)
    PrimaryKeyConstraint("tenant_id", "id"),
    Index("ix_events_device_time", "tenant_id", "device_id", "time_ms"),
    Index("ix_events_customer_time", "tenant_id", "customer_id", "time_ms"),
)

event_voids = Table(  # the audit record of each voided event: who, when and why
    "event_voids",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("id", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("event_time_ms", BigInteger, nullable=False),
    Column("device_id", String(ID)),
    Column("customer_id", String(ID)),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "event_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(ID), nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("source", String(20), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("device_id", String(ID)),
    Column("record", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("status", String(12), nullable=False),
    Column("resolved_ms", BigInteger),
    Index("ix_quarantine_tenant_status", "tenant_id", "status", "id"),
)

meters = Table(
    "meters",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("property", String(200)),
    Column("aggregation", String(20), nullable=False),
    Column("filters", Text, nullable=False),
    Column("group_by", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

# Hourly rollups per meter and series. '' stands for "no customer / no device / no group" so that
# the primary key has no NULLs. For TIME_WEIGHTED_SUM meters `sum` is the integral in value x ms.
rollups = Table(
    "rollups",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("meter_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("group_key", String(500), nullable=False),
    Column("bucket_ms", BigInteger, nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("sum", ExactDecimal, nullable=False),
    Column("min", ExactDecimal),
    Column("max", ExactDecimal),
    Column("latest_ms", BigInteger),
    Column("latest_value", ExactDecimal),
    PrimaryKeyConstraint(
        "tenant_id", "meter_id", "customer_id", "device_id", "group_key", "bucket_ms"
    ),
    Index("ix_rollups_meter_bucket", "tenant_id", "meter_id", "bucket_ms"),
    Index("ix_rollups_meter_customer_bucket", "tenant_id", "meter_id", "customer_id", "bucket_ms"),
)

# Distinct values per hour, for UNIQUE_COUNT meters (distinct counts do not add up across hours).
rollup_values = Table(
    "rollup_values",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("meter_id", String(ID), nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("group_key", String(500), nullable=False),
    Column("bucket_ms", BigInteger, nullable=False),
    Column("value", String(500), nullable=False),
    PrimaryKeyConstraint(
        "tenant_id", "meter_id", "customer_id", "device_id", "group_key", "bucket_ms", "value"
    ),
)

# Minutes in which a device was heard from: connected minutes are a count of these rows.
presence = Table(
    "presence",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("device_id", String(ID), nullable=False),
    Column("minute_ms", BigInteger, nullable=False),
    Column("customer_id", String(ID), nullable=False),
    PrimaryKeyConstraint("tenant_id", "device_id", "minute_ms"),
    Index("ix_presence_customer", "tenant_id", "customer_id", "minute_ms"),
)

# Plans and their versions. A version's document is the canonical JSON of the plan (exact
# decimals as text) and never changes; `latest_version` is what new subscriptions sign.
plans = Table(
    "plans",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("id", String(ID), nullable=False),
    Column("name", String(200), nullable=False),
    Column("latest_version", Integer, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

plan_versions = Table(
    "plan_versions",
    metadata,
    Column("tenant_id", String(ID), nullable=False),
    Column("plan_id", String(ID), nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "plan_id", "version"),
    ForeignKeyConstraint(["tenant_id", "plan_id"], ["plans.tenant_id", "plans.id"]),
)
