"""The ASGI entry point for servers that build the app themselves (one app per worker process).

`uvicorn monetiot.web.asgi:app_factory --factory --workers N` gives every worker process its own
platform (engine and connection pool), bootstrapped from the environment (see `settings`).
Nothing happens at import: the factory is only called inside each worker.
"""

from __future__ import annotations

from fastapi import FastAPI

from monetiot.bootstrap import bootstrap
from monetiot.web.app import create_app


def app_factory() -> FastAPI:
    return create_app(bootstrap())
