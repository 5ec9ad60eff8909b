"""The words of asset sharing: kinds of asset, and the states of bookings and sessions.

A booking is `booked` until its member starts a session with it (`started`), the session ends
(`completed`), the member cancels (`cancelled`) or the grace period passes with no session
(`no_show`). Every state but `cancelled` keeps its slot: only a cancellation frees the asset for
someone else. A session is `active` until it is stopped (`stopped`); one whose unlock command
could not be sent is `failed` and costs nothing. An asset has at most one active session.
"""

from __future__ import annotations

ASSET_KINDS = ("charger", "machine", "vehicle", "room", "other")
BOOKING_STATES = ("booked", "started", "completed", "cancelled", "no_show")
HOLDING_STATES = ("booked", "started", "completed", "no_show")  # states that keep the slot
SESSION_STATES = ("active", "stopped", "failed")
ACCESS_KINDS = ("booking", "plan")  # how a member was let in
UNLIMITED_FEATURE = "sharing.unlimited"  # a plan entitlement: walk in without a booking
STOP_SOURCES = ("api", "device", "sweep")
STOP_EVENT = "session.stopped"  # a device reports that its session ended
