"""Invoice documents: the PDF a customer receives, and CSV exports of invoices and their lines.

`render_invoice_pdf`, `invoices_csv` and `lines_csv` turn rows into bytes or text and touch no
database; `exports` holds the use cases that read one tenant's rows and render them.
"""

from monetiot.documents.csv_export import invoices_csv, lines_csv
from monetiot.documents.pdf import render_invoice_pdf

__all__ = ["invoices_csv", "lines_csv", "render_invoice_pdf"]
