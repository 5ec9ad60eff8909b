"""Commands to shared assets: the unlock (and lock) messages a session sends to its device.

A command is JSON published at QoS 1 to `{prefix}/{tenant}/{device}/commands`, the device's own
command topic (`ingest.mqtt_topics.commands_topic`; the broker's ACL lets a device read only its
own). `send` returns once the broker acknowledged the message (PUBACK) or raises
`DeviceUnreachable`. Sessions are recorded before their unlock is sent, so nothing is ever
unlocked without a record (services/sessions.py).

`MqttPublisher` is the real one (paho-mqtt, MQTT 5); `RecordingPublisher` keeps commands in a
list, for the demo and for tests that are not about MQTT.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from monetiot.domain.errors import Conflict
from monetiot.settings import Settings


class DeviceUnreachable(Conflict):
    """The command could not be handed to the broker; the caller undoes what it recorded."""


class CommandPublisher(Protocol):
    def send(self, tenant: str, device: str, command: Mapping[str, object]) -> None: ...


@dataclass
class RecordingPublisher:
    """Keeps what would have been sent: (tenant, device, command)."""

    sent: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    fail: bool = False  # answer every send with DeviceUnreachable

    def send(self, tenant: str, device: str, command: Mapping[str, object]) -> None:
        if self.fail:
            raise DeviceUnreachable(f"device {device!r} is unreachable", field="asset")
        self.sent.append((tenant, device, dict(command)))


@dataclass
class MqttPublisher:
    """Connects, publishes one command at QoS 1, waits for its PUBACK, disconnects."""

    host: str
    port: int
    prefix: str
    username: str | None = None
    password: str | None = None
    timeout_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings, env: Mapping[str, str]) -> MqttPublisher:
        """The broker of `settings`; the account is MONETIOT_MQTT_USERNAME / _PASSWORD."""
        return cls(settings.mqtt_host, settings.mqtt_port, settings.mqtt_prefix,
                   env.get("MONETIOT_MQTT_USERNAME") or None,
                   env.get("MONETIOT_MQTT_PASSWORD") or None)

    def send(self, tenant: str, device: str, command: Mapping[str, object]) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from monetiot.ingest.mqtt_topics import commands_topic

        topic = commands_topic(self.prefix, tenant, device)
        client = mqtt.Client(CallbackAPIVersion.VERSION2,
                             client_id=f"monetiot-commands-{uuid.uuid4().hex[:12]}",
                             protocol=mqtt.MQTTv5)
        if self.username:
            client.username_pw_set(self.username, self.password)
        connected = threading.Event()
        refused: list[str] = []

        def on_connect(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
            if getattr(reason, "is_failure", False):
                refused.append(str(reason))
            connected.set()

        client.on_connect = on_connect
        try:
            client.connect(self.host, self.port, keepalive=30)
            client.loop_start()
            try:
                if not connected.wait(self.timeout_s) or refused:
                    raise DeviceUnreachable(
                        f"the MQTT broker at {self.host}:{self.port} did not accept the "
                        f"connection ({refused[0] if refused else 'timeout'})", field="asset")
                info = client.publish(topic, json.dumps(dict(command)), qos=1)
                info.wait_for_publish(self.timeout_s)
                if not info.is_published():
                    raise DeviceUnreachable(f"the broker did not acknowledge the command to "
                                            f"{device!r}", field="asset")
            finally:
                client.disconnect()
                client.loop_stop()
        except (OSError, RuntimeError, ValueError) as exc:
            raise DeviceUnreachable(f"cannot reach the MQTT broker at {self.host}:{self.port}: "
                                    f"{exc}", field="asset") from None
