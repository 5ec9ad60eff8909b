"""A device process for the edge tests: records readings 0..TOTAL-1 through `monetiot.edge`.

It resumes where its outbox says it stopped (`recorded` is committed with each reading), so a
process killed at any instant and started again records every reading exactly once. Reading i
is `{"kwh": kwh(i), "n": i}`. It prints JSON lines: `{"start": N}`, `{"recorded": N}` as it
goes, and `{"left": ..., "stats": {...}}` after its final flush. Device side only: nothing from
the server is imported here.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from decimal import Decimal

from monetiot.edge import Device


def kwh(i: int) -> Decimal:
    return Decimal((i * 7919) % 100_000).scaleb(-3)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("url", "tenant", "device", "outbox", "prefix"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--rate", type=float, default=1000.0, help="readings per second")
    parser.add_argument("--flush", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="device %(levelname)s %(message)s")
    dev = Device(url=args.url, tenant=args.tenant, device=args.device,
                 password=os.environ["EDGE_PASSWORD"], outbox=args.outbox, prefix=args.prefix,
                 backoff=(0.05, 1.0), ack_timeout=5.0)
    start = dev.stats().recorded
    print(json.dumps({"start": start}), flush=True)
    began = time.monotonic()
    for i in range(start, args.total):
        dev.record("energy.reading", {"kwh": str(kwh(i)), "n": i})
        if (i + 1) % 100 == 0 or i + 1 == args.total:
            print(json.dumps({"recorded": i + 1}), flush=True)
        ahead = began + (i + 1 - start) / args.rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)  # pacing the readings, as a meter would
    left = dev.flush(timeout=args.flush)
    stats = dev.stats()
    print(json.dumps({"left": left, "stats": {"recorded": stats.recorded, "sent": stats.sent,
                                              "dropped": stats.dropped,
                                              "pending": stats.pending}}), flush=True)
    dev.close()


if __name__ == "__main__":
    main()
