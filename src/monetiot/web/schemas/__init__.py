"""The /v1 API's schemas: one Pydantic model per request body and per response, by area.

These are the API's own shapes, mapped explicitly from what services return (never a table row
or a domain object): money and quantities are decimal strings, times RFC 3339 UTC strings (with
the `_ms` epoch milliseconds kept beside them), lists paged by cursor. `base` holds the shared
types; each area module holds its models. See docs/api.md for the conventions.
"""
