"""/v1 routes for webhook endpoints and their deliveries (admin keys only, tenant-scoped)."""

from __future__ import annotations

from fastapi import Depends, Query

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest
from monetiot.services import webhooks
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.payments import (
    Delivery,
    DeliveryList,
    NewWebhookEndpoint,
    WebhookCreate,
    WebhookEndpoint,
    WebhookList,
)

router = ApiRouter()


@router.post("/webhooks", status_code=201)
def create_endpoint(body: WebhookCreate, who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> NewWebhookEndpoint:
    """The answer's `secret` is shown this once."""
    who.require("admin")
    with plat.uow() as uow:
        return NewWebhookEndpoint.of(webhooks.create_endpoint(uow, plat.clock.now_ms(),
                                                              who.tenant, body.doc()))


@router.get("/webhooks")
def list_endpoints(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                   pages: PageRequest = Depends(page)) -> WebhookList:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        found = webhooks.list_endpoints(uow, who.tenant, pages)
    return WebhookList.page("webhooks", found)


@router.delete("/webhooks/{endpoint_id}")
def remove_endpoint(endpoint_id: str, who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> WebhookEndpoint:
    who.require("admin")
    with plat.uow() as uow:
        return WebhookEndpoint.of(webhooks.remove_endpoint(uow, who.tenant, endpoint_id))


@router.get("/webhooks/{endpoint_id}/deliveries")
def list_deliveries(endpoint_id: str,
                    status: str | None = Query(None, description="pending, delivered or "
                                                                  "failed"),
                    who: Principal = Depends(principal), plat: Platform = Depends(platform),
                    pages: PageRequest = Depends(page)) -> DeliveryList:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        found = webhooks.list_deliveries(uow, who.tenant, endpoint_id, status=status,
                                         limit=pages.limit or 100, cursor=pages.cursor)
    return DeliveryList.page("deliveries", found)


@router.post("/webhooks/deliveries/{delivery_id}/retry")
def retry_delivery(delivery_id: str, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> Delivery:
    """Make a failed delivery due now (the webhook worker sends it, with the same id)."""
    who.require("admin")
    with plat.uow() as uow:
        return Delivery.of(webhooks.retry_delivery(uow, plat.clock.now_ms(), who.tenant,
                                                   delivery_id))
