"""Settings, read from the environment by `bootstrap` (never at import).

| variable | default |
|---|---|
| MONETIOT_DATABASE_URL | sqlite:///var/monetiot.db (a file, WAL) |
| MONETIOT_MQTT_HOST / MONETIOT_MQTT_PORT | 127.0.0.1 / 1883 |
| MONETIOT_MQTT_PREFIX | monetiot (topics are PREFIX/TENANT/DEVICE/events[/FORMAT]) |
| MONETIOT_LATE_WINDOW_DAYS | 35: older events go to quarantine (replayable) |
| MONETIOT_FUTURE_TOLERANCE_S | 300: events further in the future are rejected |
| MONETIOT_OFFLINE_AFTER_S | 300: silence after which a device counts as offline |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from monetiot.domain.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///var/monetiot.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_prefix: str = "monetiot"
    late_window_ms: int = 35 * 86_400_000
    future_tolerance_ms: int = 300_000
    offline_after_ms: int = 300_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "database_url": env.get("MONETIOT_DATABASE_URL", DEFAULT_DATABASE_URL),
            "mqtt_host": env.get("MONETIOT_MQTT_HOST", "127.0.0.1"),
            "mqtt_port": _int(env, "MONETIOT_MQTT_PORT", 1883),
            "mqtt_prefix": env.get("MONETIOT_MQTT_PREFIX", "monetiot"),
            "late_window_ms": _int(env, "MONETIOT_LATE_WINDOW_DAYS", 35) * 86_400_000,
            "future_tolerance_ms": _int(env, "MONETIOT_FUTURE_TOLERANCE_S", 300) * 1000,
            "offline_after_ms": _int(env, "MONETIOT_OFFLINE_AFTER_S", 300) * 1000,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"must be a whole number, got {raw!r}", field=name) from None
