"""Asset sharing: booking rules, session usage from telemetry, and the revenue split.

Pure: the services layer reads assets, bookings and telemetry from storage and passes them in.
`policy` holds an asset's booking and fee rules, `usage` turns telemetry into OCPI charging
periods (priced by `domain.tariffs`), `split` divides what was collected between the platform and
the owner so that it always adds up.
"""

from monetiot.domain.sharing.model import (
    ACCESS_KINDS,
    ASSET_KINDS,
    BOOKING_STATES,
    HOLDING_STATES,
    SESSION_STATES,
    STOP_EVENT,
    UNLIMITED_FEATURE,
)
from monetiot.domain.sharing.policy import Fee, FeeKind, Policy, parse_policy, policy_doc
from monetiot.domain.sharing.split import (
    Split,
    Statement,
    StatementItem,
    StatementTotal,
    allocate,
    split_revenue,
    statement,
)
from monetiot.domain.sharing.usage import (
    EnergyReading,
    SessionUsage,
    StateReading,
    UsagePeriod,
    booking_session,
    instant,
    session_usage,
    state_of,
)

__all__ = [
    "ACCESS_KINDS",
    "ASSET_KINDS",
    "BOOKING_STATES",
    "HOLDING_STATES",
    "SESSION_STATES",
    "STOP_EVENT",
    "UNLIMITED_FEATURE",
    "EnergyReading",
    "Fee",
    "FeeKind",
    "Policy",
    "SessionUsage",
    "Split",
    "StateReading",
    "Statement",
    "StatementItem",
    "StatementTotal",
    "UsagePeriod",
    "allocate",
    "booking_session",
    "instant",
    "parse_policy",
    "policy_doc",
    "session_usage",
    "split_revenue",
    "state_of",
    "statement",
]
