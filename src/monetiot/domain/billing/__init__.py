"""Billing: periods, proration, invoices as data. Pure; the services layer does the I/O."""
