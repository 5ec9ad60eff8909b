"""The monetiot API client: typed Python over httpx, for programs that use a monetiot server.

```python
from monetiot.client import Client

with Client("http://127.0.0.1:8000", api_key="mk_...") as api:
    api.create_customer("sunfield", timezone="Europe/Berlin")
    for invoice in api.iter_invoices(customer="sunfield"):
        print(invoice.number, invoice.total)
```

It imports only httpx and the standard library (never the server's web, services or store), so
it runs anywhere the `monetiot` package installs, against any monetiot server of this version.
"""

from monetiot.client.api import ApiError, Client
from monetiot.client.models import (
    Customer,
    Device,
    IngestResult,
    Invoice,
    InvoiceLine,
    Meter,
    NewDevice,
    Payment,
    RecordResult,
    Subscription,
    UsageRow,
)

__all__ = [
    "ApiError",
    "Client",
    "Customer",
    "Device",
    "IngestResult",
    "Invoice",
    "InvoiceLine",
    "Meter",
    "NewDevice",
    "Payment",
    "RecordResult",
    "Subscription",
    "UsageRow",
]
