"""/v1 routes for sending events, reading them back, and the quarantine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput, TooLarge, UnsupportedFormat
from monetiot.domain.jsonexact import loads
from monetiot.ingest.formats import CONTENT_TYPES, TOO_DEEP, UNSUPPORTED_MEDIA_TYPE
from monetiot.ingest.formats.cloudevents import is_binary_mode, structured_from_binary
from monetiot.ingest.formats.common import Problem
from monetiot.services import event_voids, quarantine
from monetiot.services.access import Principal
from monetiot.services.ingest import Payload, RecordResult, ingest
from monetiot.store import eventlog
from monetiot.web.deps import exact_body, platform, principal
from monetiot.web.responses import parse_time, respond

router = APIRouter(prefix="/v1")
MAX_BODY = 16 * 1024 * 1024
MAX_ID = 2**31 - 1  # quarantine ids are 32-bit integers on PostgreSQL
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/events")
async def post_events(request: Request, who: Principal = Depends(principal),
                      plat: Platform = Depends(platform)) -> JSONResponse:
    """A batch in any supported format (a CloudEvent in HTTP binary mode too); one result per
    record. 2xx only after the commit. A payload refused as a whole for its media type (415)
    or its nesting (422) is answered with problem+json naming its quarantine entry; a body
    over MAX_BODY is 413 and is not kept."""
    who.require("ingest")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:  # refused before it is read
        raise TooLarge(f"body larger than {MAX_BODY} bytes; split the batch", field="body")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise TooLarge(f"body larger than {MAX_BODY} bytes; split the batch", field="body")
    content_type = request.headers.get("content-type", "application/json")
    if is_binary_mode(request.headers, content_type):
        try:
            body = structured_from_binary(request.headers, content_type, body)
            content_type = CONTENT_TYPES["cloudevents"]
        except Problem:
            pass  # too deep to read: refused below as the payload it is
    payload = Payload(tenant=who.tenant, content_type=content_type, body=body,
                      received_ms=plat.clock.now_ms(), source="http", device=who.device)
    from starlette.concurrency import run_in_threadpool

    def work() -> JSONResponse:
        with plat.uow() as uow:
            (result,) = ingest(uow, plat.settings, [payload])
        _refused_whole(result.records)
        summary = result.summary()
        status = 200 if summary["rejected"] < len(result.records) or not result.records else 422
        return respond(summary | {"results": [r.as_dict() for r in result.records]}, status)

    return await run_in_threadpool(work)


def _refused_whole(records: list[RecordResult]) -> None:
    """A payload rejected for what it is (its media type, its nesting) is a problem+json."""
    codes = {r.code for r in records}
    if not records or len(codes) != 1 or any(r.status != "rejected" for r in records):
        return
    code = codes.pop()
    kind: type[InvalidInput] | None = {UNSUPPORTED_MEDIA_TYPE: UnsupportedFormat,
                                       TOO_DEEP: InvalidInput}.get(code or "")
    if kind is None:
        return
    error = kind(records[0].reason or "refused",
                 field="content-type" if kind is UnsupportedFormat else "body")
    # the batch result's members too, so a client reading `accepted`/`results` still can
    error.extra = {"accepted": 0, "duplicate": 0, "rejected": len(records),
                   "quarantine_id": records[0].quarantine_id,
                   "results": [r.as_dict() for r in records]}
    raise error


@router.get("/events")
def list_events(device: str | None = None, customer: str | None = None,
                start: str | None = None, end: str | None = None,
                limit: int = Query(100, ge=1, le=1000),
                who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        rows = eventlog.list_events(uow.conn, who.tenant, device_id=device, customer_id=customer,
                                    start_ms=parse_time(start, "start"),
                                    end_ms=parse_time(end, "end"), limit=min(limit, 1000))
        voids = eventlog.voids_of(uow.conn, who.tenant,
                                  [r["id"] for r in rows if r["voided_ms"] is not None])
    return respond({"events": [
        {"id": r["id"], "type": r["type"], "time_ms": r["time_ms"],
         "received_ms": r["received_ms"], "device": r["device_id"],
         "customer": r["customer_id"], "data": loads(r["data"]),
         "voided": event_voids.void_view(voids[r["id"]]) if r["id"] in voids else None}
        for r in rows]})


@router.post("/events/{event_id}/void")
def void_event(event_id: str, body: dict[str, Any] = Depends(exact_body),
               who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    """Void an accepted event (`{"reason": "..."}`): it stops counting in usage, and it and
    the void stay in the record (GET /v1/events shows both)."""
    who.require("admin")
    actor = f"api-key:{who.key_id}" if who.key_id else "api"
    with plat.uow() as uow:
        return respond(event_voids.void_event(uow, plat.clock.now_ms(), who.tenant, event_id,
                                              body.get("reason"), actor))


@router.get("/quarantine")
def list_quarantine(status: str | None = "open", limit: int = Query(100, ge=1, le=1000),
                    after: int = Query(0, ge=0, le=MAX_ID),
                    who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        entries = quarantine.list_entries(uow, who.tenant, None if status == "all" else status,
                                          min(limit, 1000), after)
        counts = quarantine.counts(uow, who.tenant)
    return respond({"counts": counts, "entries": entries})


@router.get("/quarantine/{entry_id}")
def get_quarantine(entry_id: EntryId, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(quarantine.get_entry(uow, who.tenant, entry_id))


@router.post("/quarantine/{entry_id}/replay")
async def replay(entry_id: EntryId, request: Request, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    """Replay as kept; or send a corrected payload as the body (with its Content-Type)."""
    who.require("admin")
    body = await request.body()
    content_type = request.headers.get("content-type") if body else None
    with plat.uow() as uow:
        return respond(quarantine.replay(uow, plat.settings, plat.clock.now_ms(), who.tenant,
                                         entry_id, body or None, content_type))


@router.post("/quarantine/{entry_id}/discard")
def discard(entry_id: EntryId, who: Principal = Depends(principal),
            plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(quarantine.discard(uow, plat.clock.now_ms(), who.tenant, entry_id))
