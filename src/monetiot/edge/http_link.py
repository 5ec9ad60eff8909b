"""The HTTP link: messages POSTed to `/v1/events`, one request per message, kept alive.

Authentication is the device's Basic credentials (`TENANT/DEVICE` and its password), or an API
key of scope `ingest` as a Bearer token (a gateway over HTTP: see docs/edge.md). Every answer's
`Date` header is a clock sample (clock.py).

Invariants:
- a message is delivered only when the server answered 200 or 422 with its per-record results:
  the server commits before it answers, so each record is then accepted, a duplicate, or
  rejected and kept in its quarantine; the rejected ones are reported in `Outcome.rejected`;
- 401 and 403 mark the link refused (credentials); any other status, a timeout or a broken
  connection leaves the message undelivered, to be sent again;
- one connection at a time, reopened after any error, so a half-read answer never leaks into the
  next request.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from collections.abc import Callable, Sequence

from monetiot.edge.clock import ClockSample, from_date_header
from monetiot.edge.wire import Message, Outcome, rejected_rows

REFUSED = (401, 403)


class HttpLink:
    def __init__(self, *, host: str, port: int, path: str, tls: ssl.SSLContext | None,
                 tenant: str, device: str, password: str | None, api_key: str | None,
                 now_us: Callable[[], int], on_clock: Callable[[ClockSample], None],
                 timeout_s: float = 30.0) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.url_path = path.rstrip("/") + "/v1/events"
        if api_key:
            self._auth = f"Bearer {api_key}"
        else:
            token = base64.b64encode(f"{tenant}/{device}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"
        self.timeout_s = timeout_s
        self._now_us, self._on_clock = now_us, on_clock
        self._conn: http.client.HTTPConnection | None = None

    @property
    def connected(self) -> bool:
        return True  # a request opens the connection it needs

    def connect(self, timeout: float = 10.0) -> None:
        """Nothing to do ahead of a request."""

    def send(self, messages: Sequence[Message], timeout: float, stop: object) -> list[Outcome]:
        out: list[Outcome] = []
        for m in messages:
            outcome = self._post(m, timeout)
            out.append(outcome)
            if outcome.error is not None and not outcome.delivered:
                # the server is unreachable or refusing: the rest would fare the same
                out.extend(Outcome(False, error=outcome.error, refused=outcome.refused)
                           for _ in messages[len(out):])
                break
        return out

    def _post(self, m: Message, timeout: float) -> Outcome:
        headers = {"Content-Type": m.content_type, "Authorization": self._auth,
                   "Accept": "application/json"}
        t0 = self._now_us()
        try:
            conn = self._connection(timeout)
            conn.request("POST", self.url_path, body=m.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            self.close()
            return Outcome(False, error=f"POST {self._where()} failed: {exc}")
        sample = from_date_header(t0, self._now_us(), response.getheader("Date"))
        if sample is not None:
            self._on_clock(sample)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        status = response.status
        if status in (200, 422):
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            if isinstance(doc, dict) and isinstance(doc.get("results"), list):
                return Outcome(True, rejected=rejected_rows(m, doc["results"]))
        detail = body[:300].decode("utf-8", "replace").strip()
        return Outcome(False, refused=status in REFUSED,
                       error=f"POST {self._where()} answered {status}: {detail}")

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.tls is not None:
                self._conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                                         context=self.tls)
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        return self._conn

    def _where(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self.url_path}"

    def poll(self, seconds: float, *events: object) -> None:
        """Nothing to service between requests."""

    def request_time(self) -> None:
        """Every answer carries `Date`: no request of its own is needed."""

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
