"""The FastAPI app: REST API under /v1, and (later) console and portal pages."""
