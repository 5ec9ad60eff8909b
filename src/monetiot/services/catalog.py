"""The plan catalog: applying plan documents as new versions, reading them, previewing them.

Invariants: a plan version never changes once written (subscriptions keep the version they
signed, past invoices keep pointing at it); applying a document that says what the latest version
already says creates nothing (`created` False); versions of a plan are numbered 1, 2, 3... with
no gap, and two concurrent applies never both get the same number (the loser gets `Conflict`
and may apply again). Every read and write is scoped to the tenant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from monetiot.domain.errors import Conflict, InvalidInput, NotFound
from monetiot.domain.pages import Page, PageRequest
from monetiot.domain.plans import (
    Plan,
    canonical_json,
    fingerprint,
    parse_period_inputs,
    parse_plan,
    price_period,
    rating_to_json,
)
from monetiot.store import catalog as store
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One stored version of a plan, typed: what billing rates subscriptions with."""

    plan: Plan
    version: int
    fingerprint: str
    created_ms: int


def apply_plan(uow: UnitOfWork, now_ms: int, tenant: str, doc: object,
               plan_id: str | None = None) -> Row:
    """Store `doc` as the plan's next version, unless the latest version says the same.

    `plan_id` (from a URL) fills in a document without `id` and must match one that has it.
    Returns `{"plan", "version", "created", "fingerprint"}`.
    """
    if plan_id is not None and isinstance(doc, dict):
        named = doc.get("id")
        if named is None:
            doc = {"id": plan_id, **doc}
        elif named != plan_id:
            raise InvalidInput(f"is {named!r}, but the plan applied is {plan_id!r}", field="id")
    plan = parse_plan(doc)
    if registry.get_tenant(uow.conn, tenant) is None:
        raise NotFound(f"no tenant {tenant!r}", field="tenant")
    digest = fingerprint(plan)
    current = store.get_plan(uow.conn, tenant, plan.id)
    if current is not None:
        latest = store.get_version(uow.conn, tenant, plan.id, current["latest_version"])
        if latest is not None and latest["fingerprint"] == digest:
            return _applied(plan.id, current["latest_version"], False, digest)
    version = 1 if current is None else int(current["latest_version"]) + 1
    conflict = Conflict(f"plan {plan.id!r} was changed at the same time; apply it again",
                        field="id")
    try:
        if current is None:
            store.insert_plan(uow.conn, {"tenant_id": tenant, "id": plan.id, "name": plan.name,
                                         "latest_version": version, "created_ms": now_ms})
        elif not store.advance_plan(uow.conn, tenant, plan.id, version - 1, version, plan.name):
            raise conflict
        store.insert_version(uow.conn, {
            "tenant_id": tenant, "plan_id": plan.id, "version": version,
            "document": canonical_json(plan), "fingerprint": digest, "created_ms": now_ms,
        })
    except IntegrityError:
        raise conflict from None
    uow.commit()
    return _applied(plan.id, version, True, digest)


def _applied(plan_id: str, version: int, created: bool, digest: str) -> Row:
    return {"plan": plan_id, "version": version, "created": created, "fingerprint": digest}


def list_plans(uow: UnitOfWork, tenant: str, page: PageRequest | None = None) -> Page[Row]:
    rows = store.list_plans(uow.conn, tenant, page)
    return Page([{"id": r["id"], "name": r["name"], "latest_version": r["latest_version"],
                  "created_ms": r["created_ms"]} for r in rows], rows.next_cursor)


def get_plan(uow: UnitOfWork, tenant: str, plan_id: str, version: int | None = None) -> Row:
    """A version of the plan (default: the latest) with its document, and the list of versions."""
    head, row = _rows(uow, tenant, plan_id, version)
    return {
        "id": plan_id,
        "name": head["name"],
        "version": row["version"],
        "latest_version": head["latest_version"],
        "fingerprint": row["fingerprint"],
        "created_ms": row["created_ms"],
        "document": json.loads(row["document"]),  # numbers are exact text inside
        "versions": store.list_versions(uow.conn, tenant, plan_id),
    }


def load_plan(uow: UnitOfWork, tenant: str, plan_id: str,
              version: int | None = None) -> PlanVersion:
    """The typed plan of a stored version (default: the latest).

    A stored version never changes, so a named version is parsed once per engine and kept
    (billing asks for the same few versions for every subscription)."""
    cache: dict[tuple[str, str, int], PlanVersion] = uow.engine.__dict__.setdefault(
        "_monetiot_plan_versions", {})
    if version is not None and (tenant, plan_id, version) in cache:
        return cache[(tenant, plan_id, version)]
    _, row = _rows(uow, tenant, plan_id, version)
    loaded = PlanVersion(plan=parse_plan(json.loads(row["document"])), version=row["version"],
                         fingerprint=row["fingerprint"], created_ms=row["created_ms"])
    cache[(tenant, plan_id, loaded.version)] = loaded
    return loaded


def preview_plan(uow: UnitOfWork, tenant: str, plan_id: str, usage: object,
                 version: int | None = None) -> Row:
    """What one period costs under a stored plan version for a usage table (nothing stored)."""
    stored = load_plan(uow, tenant, plan_id, version)
    rating = price_period(stored.plan, parse_period_inputs(usage, stored.plan))
    return {"version": stored.version, **rating_to_json(rating)}


def _rows(uow: UnitOfWork, tenant: str, plan_id: str, version: int | None) -> tuple[Row, Row]:
    head = store.get_plan(uow.conn, tenant, plan_id)
    if head is None:
        raise NotFound(f"no plan {plan_id!r}", field="plan")
    number = head["latest_version"] if version is None else version
    row = store.get_version(uow.conn, tenant, plan_id, number)
    if row is None:
        raise NotFound(f"plan {plan_id!r} has no version {number}", field="version")
    return head, row
