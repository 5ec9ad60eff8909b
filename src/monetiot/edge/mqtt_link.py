"""The MQTT link: messages published at QoS 1, and the time exchange, over one connection.

Driven by the sender thread alone (paho's `loop()` is called from that thread, never from a
thread of paho's own), so there is no shared state between threads here. Topics:

    PREFIX/TENANT/DEVICE/events/json         monetiot JSON events (an array)
    PREFIX/TENANT/DEVICE/events/senml-cbor   a SenML CBOR pack
    PREFIX/TENANT/DEVICE/time                a time request (QoS 0; clock.py)
    PREFIX/TENANT/DEVICE/commands            read: the server's answers and commands

DEVICE is the device the rows belong to: in gateway mode a child's topic, which the broker's ACL
lets the gateway's account write (docs/edge.md, gateway mode).

Invariants:
- a message is delivered only on a PUBACK with reason code 0 (success). "No matching
  subscribers" (0x10) means the broker discarded it (the ingest worker's session is missing), so
  it is kept and sent again; "not authorized" (0x87) marks the device refused;
- a clean-start session: nothing is queued at the broker for the device; what was in flight when
  the connection broke is still in the outbox and is sent again (a duplicate at worst);
- a new connection is a new paho client, so no state survives from a broken one.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from monetiot.edge.clock import ClockSample, from_exchange
from monetiot.edge.wire import Message, Outcome

NO_MATCHING_SUBSCRIBERS = 0x10
NOT_AUTHORIZED = 0x87
BAD_CREDENTIALS = 0x86
TOPIC_FORMATS = {"json": "json", "senml+cbor": "senml-cbor"}


class LinkError(Exception):
    """The link is down or refused; `refused` when retrying as is cannot help (credentials)."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class MqttLink:
    def __init__(self, *, host: str, port: int, tls: ssl.SSLContext | None, tenant: str,
                 device: str, password: str | None, prefix: str, client_id: str,
                 now_us: Callable[[], int], on_clock: Callable[[ClockSample], None],
                 keepalive_s: int = 60, max_inflight: int = 20) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.tenant, self.device, self.password = tenant, device, password
        self.prefix, self.client_id = prefix, client_id
        self.keepalive_s, self.max_inflight = keepalive_s, max_inflight
        self._now_us, self._on_clock = now_us, on_clock
        self._client: mqtt.Client | None = None
        self._connack: ReasonCode | None = None
        self._connected = False
        self._acks: dict[int, int] = {}
        self._time_request: tuple[str, int] | None = None

    @property
    def connected(self) -> bool:
        return self._client is not None and self._connected

    def topic(self, device: str, kind: str) -> str:
        return f"{self.prefix}/{self.tenant}/{device}/{kind}"

    def connect(self, timeout: float = 10.0) -> None:
        self.close()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(f"{self.tenant}/{self.device}", self.password)
        if self.tls is not None:
            client.tls_set_context(self.tls)
        client.max_inflight_messages_set(self.max_inflight)
        client.max_queued_messages_set(0)
        client.connect_timeout = timeout
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        self._connack, self._acks = None, {}
        try:
            client.connect(self.host, self.port, self.keepalive_s, clean_start=True)
        except (OSError, ssl.SSLError) as exc:
            raise LinkError(f"cannot reach the broker {self.host}:{self.port}: {exc}") from None
        self._client = client
        deadline = time.monotonic() + timeout
        while self._connack is None and time.monotonic() < deadline:
            if client.loop(0.1) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                break
        if self._connack is None or self._connack.is_failure:
            self.close()
            if self._connack is None:
                raise LinkError(f"the broker {self.host}:{self.port} did not answer CONNECT")
            refused = self._connack.value in (BAD_CREDENTIALS, NOT_AUTHORIZED)
            raise LinkError(f"the broker refused {self.tenant}/{self.device}: {self._connack}",
                            refused=refused)
        client.subscribe(self.topic(self.device, "commands"), qos=0)

    def send(self, messages: Sequence[Message], timeout: float,
             stop: threading.Event) -> list[Outcome]:
        """Publish every message at QoS 1; wait for their PUBACKs (at most `timeout`)."""
        client = self._client
        if client is None or not self._connected:
            return [Outcome(False, error="not connected") for _ in messages]
        mids: dict[int, int] = {}  # message index -> mid
        outcomes: list[Outcome | None] = [None] * len(messages)
        for index, m in enumerate(messages):
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.ContentType = m.content_type
            info = client.publish(self.topic(m.device, f"events/{TOPIC_FORMATS[m.encoding]}"),
                                  m.body, qos=1, properties=props)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                outcomes[index] = Outcome(False, error=f"publish failed: {info.rc}")
            else:
                mids[index] = info.mid
        deadline = time.monotonic() + timeout
        stop_deadline: float | None = None
        while self._connected and any(mid not in self._acks for mid in mids.values()):
            now = time.monotonic()
            if stop.is_set() and stop_deadline is None:
                stop_deadline = now + 2.0  # closing: a short grace for the PUBACKs in flight
            if now >= deadline or (stop_deadline is not None and now >= stop_deadline):
                break
            client.loop(0.05)
        for index, mid in mids.items():
            code = self._acks.pop(mid, None)
            outcomes[index] = _outcome(code, messages[index], self.prefix, self.tenant)
        return [o if o is not None else Outcome(False, error="not sent") for o in outcomes]

    def poll(self, seconds: float, *events: threading.Event) -> None:
        """Keep the connection serviced for `seconds`, or until one of `events` is set.

        Returns at once when not connected: the caller waits in its own way then."""
        deadline = time.monotonic() + seconds
        while self._client is not None and self._connected:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or any(e.is_set() for e in events):
                return
            self._client.loop(min(0.1, remaining))

    def request_time(self) -> None:
        """Ask the server for its time; the answer arrives through `poll` or `send`."""
        if self._client is None or not self._connected:
            return
        nonce = secrets.token_hex(6)
        t0 = self._now_us()
        self._time_request = (nonce, t0)
        body = json.dumps({"id": nonce, "t0": t0 // 1000})
        self._client.publish(self.topic(self.device, "time"), body, qos=0)

    def close(self) -> None:
        client, self._client = self._client, None
        self._connected = False
        if client is not None:
            try:
                client.disconnect()
                client.loop(0.1)
            except (OSError, ValueError):
                pass
            try:
                sock = client.socket()
                if sock is not None:
                    sock.close()
            except OSError:
                pass

    # paho callbacks (called from inside `loop`, on the sender thread) ----------------------------

    def _on_connect(self, _c: mqtt.Client, _u: object, _f: object, reason: ReasonCode,
                    _p: object) -> None:
        self._connack = reason
        self._connected = not reason.is_failure

    def _on_disconnect(self, *_args: object) -> None:
        self._connected = False

    def _on_publish(self, _c: mqtt.Client, _u: object, mid: int, reason: ReasonCode,
                    _p: object) -> None:
        self._acks[mid] = reason.value

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        if self._time_request is None:
            return
        try:
            doc = json.loads(message.payload)
        except (ValueError, UnicodeDecodeError):
            return
        if not isinstance(doc, dict) or doc.get("command") != "time":
            return
        nonce, t0 = self._time_request
        server_ms = doc.get("server_ms")
        if doc.get("id") != nonce or not isinstance(server_ms, int):
            return
        self._time_request = None
        sample = from_exchange(t0, self._now_us(), server_ms)
        if sample is not None:
            self._on_clock(sample)


def _outcome(code: int | None, message: Message, prefix: str, tenant: str) -> Outcome:
    if code is None:
        return Outcome(False, error="no PUBACK (connection lost or timed out)")
    if code < 0x80 and code != NO_MATCHING_SUBSCRIBERS:
        return Outcome(True)
    where = f"{prefix}/{tenant}/{message.device}/events"
    if code == NO_MATCHING_SUBSCRIBERS:
        return Outcome(False, error=f"the broker has no subscriber for {where}: is the ingest "
                                    "worker running, or its session kept by the broker?")
    if code == NOT_AUTHORIZED:
        return Outcome(False, refused=True,
                       error=f"the broker refused {where} (not authorized): a gateway needs a "
                             "grant for this child device")
    return Outcome(False, error=f"the broker refused {where}: reason code {code:#x}")
