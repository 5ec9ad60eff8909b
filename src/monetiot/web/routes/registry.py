"""/v1 routes for API keys, customers, devices, assignments and device profiles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.services import access, fleet
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import parse_time, respond

router = APIRouter(prefix="/v1")
Doc = dict[str, Any]


@router.post("/api-keys", status_code=201)
def create_key(doc: Doc = Body(...), who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), who.tenant,
                                    str(doc.get("scope", "")), str(doc.get("name", "")))
    return respond({"id": key.id, "key": key.key, "scope": key.scope}, 201)


@router.get("/api-keys")
def list_keys(who: Principal = Depends(principal),
              plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        return respond({"api_keys": access.list_api_keys(uow, who.tenant)})


@router.delete("/api-keys/{key_id}")
def revoke_key(key_id: str, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        access.revoke_api_key(uow, plat.clock.now_ms(), who.tenant, key_id)
    return respond({"id": key_id, "revoked": True})


@router.post("/customers", status_code=201)
def create_customer(doc: Doc = Body(...), who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(fleet.create_customer(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/customers")
def list_customers(who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"customers": fleet.list_customers(uow, who.tenant)})


@router.get("/customers/{customer_id}")
def get_customer(customer_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(fleet.get_customer(uow, who.tenant, customer_id))


@router.put("/device-profiles/{profile_id}")
def put_profile(profile_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(fleet.apply_profile(uow, plat.clock.now_ms(), who.tenant, profile_id, doc))


@router.get("/device-profiles")
def list_profiles(who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"device_profiles": fleet.list_profiles(uow, who.tenant)})


@router.post("/devices", status_code=201)
def create_device(doc: Doc = Body(...), who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        made = fleet.create_device(uow, plat.clock.now_ms(), who.tenant, doc)
    return respond({"device": made.device,
                    "credentials": {"username": made.username, "password": made.password}}, 201)


@router.get("/devices")
def list_devices(customer: str | None = None, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"devices": fleet.list_devices(
            uow, who.tenant, plat.clock.now_ms(), plat.settings.offline_after_ms, customer)})


@router.get("/devices/{device_id}")
def get_device(device_id: str, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(fleet.get_device(uow, who.tenant, device_id, plat.clock.now_ms(),
                                        plat.settings.offline_after_ms))


@router.post("/devices/{device_id}/credentials")
def rotate_credentials(device_id: str, who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        made = fleet.rotate_device_password(uow, who.tenant, device_id)
    return respond({"username": made.username, "password": made.password})


@router.post("/devices/{device_id}/assignments", status_code=201)
def assign(device_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> JSONResponse:
    """Assign the device to `customer` (null: unassign) from `from` (default now) on."""
    who.require("admin")
    start = parse_time(str(doc["from"]) if doc.get("from") is not None else None, "from")
    with plat.uow() as uow:
        customer = doc.get("customer")
        return respond(fleet.assign_device(
            uow, who.tenant, device_id, None if customer is None else str(customer),
            start if start is not None else plat.clock.now_ms()), 201)
