"""Builds the FastAPI application around a bootstrapped platform."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from monetiot import __version__
from monetiot.bootstrap import Platform
from monetiot.currency_table import install as install_currencies
from monetiot.web import console, errors
from monetiot.web.routes import (
    advisor,
    billing,
    device_clocks,
    documents,
    events,
    outcomes,
    payments,
    plans,
    previews,
    registry,
    sharing,
    usage,
    webhooks,
)


def create_app(platform: Platform) -> FastAPI:
    install_currencies()
    app = FastAPI(title="monetiot", version=__version__,
                  description="Connect a fleet, meter it, price it, bill it.")
    app.state.platform = platform
    errors.install(app)
    app.include_router(registry.router)
    app.include_router(events.router)
    app.include_router(device_clocks.router)
    app.include_router(usage.router)
    app.include_router(previews.router)
    app.include_router(plans.router)
    app.include_router(payments.router)  # before billing: /invoices/overdue is not an id
    app.include_router(billing.router)
    app.include_router(documents.router)
    app.include_router(webhooks.router)
    app.include_router(advisor.router)
    app.include_router(sharing.router)
    app.include_router(outcomes.router)
    app.include_router(console.router)  # /login, /console, /portal: pages for people

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        with platform.uow(readonly=True) as uow:
            uow.conn.exec_driver_sql("SELECT 1")
        return JSONResponse({"status": "ok", "version": __version__})

    return app
