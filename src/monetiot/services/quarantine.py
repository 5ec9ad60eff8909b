"""Quarantine: list what was rejected, replay it (as sent, or corrected), or discard it.

Replaying runs the record through the same ingest path, judged against the late window as of when
it first arrived. An entry that is accepted (or turns out a duplicate) becomes `replayed`; one
that is rejected again stays `open` with the new reason, without a second copy.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from monetiot.domain.errors import Conflict, NotFound
from monetiot.domain.pages import Page
from monetiot.services.ingest import Payload, PayloadResult, ingest
from monetiot.settings import Settings
from monetiot.store import quarantine as store
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]


def entry_view(row: Row) -> Row:
    raw: bytes = row["raw"]
    try:
        text: str | None = raw.decode()
    except UnicodeDecodeError:
        text = None
    view = {k: row[k] for k in ("id", "received_ms", "source", "content_type", "record",
                                "reason", "status", "resolved_ms")}
    view["device"] = row["device_id"]
    if text is not None:
        view["raw"] = text
    else:
        view["raw_base64"] = base64.b64encode(raw).decode()
    return view


def list_entries(uow: UnitOfWork, tenant: str, status: str | None = "open", limit: int = 100,
                 after_id: int = 0, cursor: str | None = None) -> Page[Row]:
    rows = store.list_entries(uow.conn, tenant, status, limit, after_id, cursor)
    return Page([entry_view(r) for r in rows], rows.next_cursor)


def get_entry(uow: UnitOfWork, tenant: str, entry_id: int) -> Row:
    return entry_view(_entry(uow, tenant, entry_id))


def counts(uow: UnitOfWork, tenant: str) -> dict[str, int]:
    return store.count_by_status(uow.conn, tenant)


def _entry(uow: UnitOfWork, tenant: str, entry_id: int) -> Row:
    row = store.get(uow.conn, tenant, entry_id)
    if row is None:
        raise NotFound(f"no quarantine entry {entry_id}", field="id")
    return row


def replay(uow: UnitOfWork, settings: Settings, now_ms: int, tenant: str, entry_id: int,
           body: bytes | None = None, content_type: str | None = None) -> Row:
    """Run an open entry through ingest again; `body` replaces what was kept (a fix)."""
    row = _entry(uow, tenant, entry_id)
    if row["status"] != "open":
        raise Conflict(f"entry {entry_id} is {row['status']}", field="id")
    payload = Payload(tenant=tenant, content_type=content_type or row["content_type"],
                      body=row["raw"] if body is None else body,
                      received_ms=row["received_ms"], source="replay", device=row["device_id"])
    # Records rejected again are reported, but the entry itself keeps them (no second copy).
    result: PayloadResult = ingest(uow, settings, [payload], commit=False)[0]
    rejected = [r for r in result.records if r.status == "rejected"]
    _drop_new_copies(uow, tenant, result)
    if rejected:
        store.set_status(uow.conn, tenant, entry_id, status="open",
                         reason="; ".join(f"{r.record}: {r.reason}" for r in rejected))
    else:
        store.set_status(uow.conn, tenant, entry_id, status="replayed", at_ms=now_ms)
    uow.commit()
    return {"entry": entry_id, "status": "open" if rejected else "replayed",
            "records": [r.as_dict() for r in result.records]}


def _drop_new_copies(uow: UnitOfWork, tenant: str, result: PayloadResult) -> None:
    store.remove(uow.conn, tenant,
                 {r.quarantine_id for r in result.records if r.quarantine_id is not None})
    result.records = [replace(r, quarantine_id=None) for r in result.records]


def replay_all(uow_factory: Any, settings: Settings, now_ms: int, tenant: str,
               limit: int = 1000) -> Row:
    """Replay every open entry, each in its own transaction; report how many were taken."""
    replayed = still_open = 0
    after = 0
    while True:
        with uow_factory(readonly=True) as uow:
            batch = store.list_entries(uow.conn, tenant, "open", min(limit, 500), after)
        if not batch:
            break
        for row in batch:
            after = row["id"]
            with uow_factory() as uow:
                outcome = replay(uow, settings, now_ms, tenant, row["id"])
            if outcome["status"] == "replayed":
                replayed += 1
            else:
                still_open += 1
        if replayed + still_open >= limit:
            break
    return {"replayed": replayed, "still_open": still_open}


def discard(uow: UnitOfWork, now_ms: int, tenant: str, entry_id: int) -> Row:
    row = _entry(uow, tenant, entry_id)
    if row["status"] != "open":
        raise Conflict(f"entry {entry_id} is {row['status']}", field="id")
    store.set_status(uow.conn, tenant, entry_id, status="discarded", at_ms=now_ms)
    uow.commit()
    return {"entry": entry_id, "status": "discarded"}
