"""`monetiot webhooks-worker`: fan out outbox events and send due webhook deliveries.

Any number of workers may run at once on PostgreSQL (claims skip each other's rows); on SQLite
run one. Each worker keeps its own fan-out position in memory; a restarted one re-scans a little
of the outbox, which creates nothing twice.
"""

from __future__ import annotations

import logging
import sys
import time

import typer

from monetiot.cli import app
from monetiot.cli.context import platform, print_json
from monetiot.services import webhooks

log = logging.getLogger("monetiot.webhooks")


@app.command("webhooks-worker")
def webhooks_worker(
    interval: float = typer.Option(2.0, "--interval", min=0.05,
                                   help="Seconds between passes when nothing is due."),
    once: bool = typer.Option(False, "--once", help="Send what is due now, then exit."),
    batch: int = typer.Option(50, "--batch", min=1, help="Deliveries claimed per pass."),
    timeout: float = typer.Option(webhooks.TIMEOUT_S, "--timeout", min=0.1,
                                  help="Seconds to wait for a receiver's answer."),
) -> None:
    """Deliver webhooks: signed, retried with backoff, with stable delivery ids."""
    plat = platform()
    state = webhooks.FanOut()
    total = webhooks.DispatchReport()
    if not once:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        log.info("webhooks worker started (interval %.2fs, batch %d)", interval, batch)
    with webhooks.HttpTransport(timeout) as transport:
        try:
            while True:
                report = webhooks.dispatch(plat.uow, plat.clock.now_ms(), limit=batch,
                                           state=state, transport=transport)
                for name in ("fanned_out", "claimed", "delivered", "retrying", "failed"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
                if report.claimed and not once:
                    log.info("delivered %d, retrying %d, failed %d", report.delivered,
                             report.retrying, report.failed)
                if report.claimed < batch:
                    if once:
                        break
                    time.sleep(interval)
        except KeyboardInterrupt:
            log.info("webhooks worker stopped")
    if once:
        print_json(vars(total))
