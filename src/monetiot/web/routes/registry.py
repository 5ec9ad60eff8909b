"""/v1 routes for API keys, customers, devices, assignments and device profiles."""

from __future__ import annotations

from fastapi import Depends

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest
from monetiot.services import access, fleet
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.fleet import (
    ApiKeyCreate,
    ApiKeyList,
    ApiKeyRevoked,
    Assignment,
    AssignmentCreate,
    Credentials,
    Customer,
    CustomerCreate,
    CustomerList,
    DeviceCreate,
    DeviceDetail,
    DeviceList,
    DeviceProfile,
    DeviceProfileList,
    NewApiKey,
    NewDevice,
    ProfileIn,
)

router = ApiRouter()


@router.post("/api-keys", status_code=201)
def create_key(body: ApiKeyCreate, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> NewApiKey:
    who.require("admin")
    with plat.uow() as uow:
        key = access.create_api_key(uow, plat.clock.now_ms(), who.tenant, body.scope, body.name)
    return NewApiKey.of({"id": key.id, "key": key.key, "scope": key.scope})


@router.get("/api-keys")
def list_keys(who: Principal = Depends(principal), plat: Platform = Depends(platform),
              pages: PageRequest = Depends(page)) -> ApiKeyList:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        keys = access.list_api_keys(uow, who.tenant, pages)
    return ApiKeyList.page("api_keys", keys)


@router.delete("/api-keys/{key_id}")
def revoke_key(key_id: str, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> ApiKeyRevoked:
    who.require("admin")
    with plat.uow() as uow:
        access.revoke_api_key(uow, plat.clock.now_ms(), who.tenant, key_id)
    return ApiKeyRevoked(id=key_id, revoked=True)


@router.post("/customers", status_code=201)
def create_customer(body: CustomerCreate, who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> Customer:
    who.require("admin")
    with plat.uow() as uow:
        return Customer.of(fleet.create_customer(uow, plat.clock.now_ms(), who.tenant,
                                                 body.doc()))


@router.get("/customers")
def list_customers(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                   pages: PageRequest = Depends(page)) -> CustomerList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = fleet.list_customers(uow, who.tenant, pages)
    return CustomerList.page("customers", found)


@router.get("/customers/{customer_id}")
def get_customer(customer_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Customer:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Customer.of(fleet.get_customer(uow, who.tenant, customer_id))


@router.put("/device-profiles/{profile_id}")
def put_profile(profile_id: str, body: ProfileIn, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> DeviceProfile:
    who.require("admin")
    with plat.uow() as uow:
        return DeviceProfile.of(fleet.apply_profile(uow, plat.clock.now_ms(), who.tenant,
                                                    profile_id, body.doc()))


@router.get("/device-profiles")
def list_profiles(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                  pages: PageRequest = Depends(page)) -> DeviceProfileList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = fleet.list_profiles(uow, who.tenant, pages)
    return DeviceProfileList.page("device_profiles", found)


@router.post("/devices", status_code=201)
def create_device(body: DeviceCreate, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> NewDevice:
    who.require("admin")
    with plat.uow() as uow:
        made = fleet.create_device(uow, plat.clock.now_ms(), who.tenant, body.doc())
    return NewDevice.of({"device": made.device,
                         "credentials": {"username": made.username, "password": made.password}})


@router.get("/devices")
def list_devices(customer: str | None = None, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform),
                 pages: PageRequest = Depends(page)) -> DeviceList:
    """The tenant's devices; with `customer`, those assigned to that customer now."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = fleet.list_devices(uow, who.tenant, plat.clock.now_ms(),
                                   plat.settings.offline_after_ms, customer, pages)
    return DeviceList.page("devices", found)


@router.get("/devices/{device_id}")
def get_device(device_id: str, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> DeviceDetail:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return DeviceDetail.of(fleet.get_device(uow, who.tenant, device_id, plat.clock.now_ms(),
                                                plat.settings.offline_after_ms))


@router.post("/devices/{device_id}/credentials")
def rotate_credentials(device_id: str, who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> Credentials:
    who.require("admin")
    with plat.uow() as uow:
        made = fleet.rotate_device_password(uow, who.tenant, device_id)
    return Credentials(username=made.username, password=made.password)


@router.post("/devices/{device_id}/assignments", status_code=201)
def assign(device_id: str, body: AssignmentCreate, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> Assignment:
    """Assign the device to `customer` (null: unassign) from `from` (default now) on."""
    who.require("admin")
    start = body.from_ if body.from_ is not None else plat.clock.now_ms()
    with plat.uow() as uow:
        return Assignment.of(fleet.assign_device(uow, who.tenant, device_id, body.customer,
                                                 start))
