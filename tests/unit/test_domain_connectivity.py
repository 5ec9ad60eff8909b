"""Connectivity: online, offline or never seen, from when a device was heard and what it said."""

from __future__ import annotations

from monetiot.domain.connectivity import minute_of, state

NOW = 1_000_000_000
AFTER = 300_000


def test_a_device_never_heard_from_is_never_seen() -> None:
    assert state(None, None, None, NOW, AFTER) == "never_seen"


def test_online_while_heard_within_the_silence_limit() -> None:
    assert state(NOW, None, None, NOW, AFTER) == "online"
    assert state(NOW - AFTER, None, None, NOW, AFTER) == "online"
    assert state(NOW - AFTER - 1, None, None, NOW, AFTER) == "offline"


def test_an_offline_report_newer_than_anything_else_wins() -> None:
    assert state(NOW - 10, "offline", NOW - 10, NOW, AFTER) == "offline"
    assert state(NOW - 10, "offline", NOW - 5, NOW, AFTER) == "offline"
    assert state(None, "offline", NOW - 5, NOW, AFTER) == "offline"


def test_an_offline_report_older_than_later_traffic_is_overruled() -> None:
    assert state(NOW - 5, "offline", NOW - 10, NOW, AFTER) == "online"


def test_an_online_report_does_not_keep_a_silent_device_online() -> None:
    assert state(NOW - AFTER - 1, "online", NOW - AFTER - 1, NOW, AFTER) == "offline"
    assert state(NOW - 1, "online", NOW - 1, NOW, AFTER) == "online"


def test_an_offline_report_without_a_time_does_not_count() -> None:
    assert state(NOW - 1, "offline", None, NOW, AFTER) == "online"


def test_minute_of_floors_to_the_utc_minute() -> None:
    assert minute_of(120_000) == 120_000
    assert minute_of(179_999) == 120_000
