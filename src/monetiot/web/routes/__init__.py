"""API routers, one module per area of the product."""
