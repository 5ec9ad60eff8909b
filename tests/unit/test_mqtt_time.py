"""The ingest worker's answer to a device's time request (the MQTT time exchange)."""

from __future__ import annotations

import json

from monetiot.ingest import mqtt_time, mqtt_topics


def test_a_time_request_is_answered_on_the_devices_commands_topic() -> None:
    assert mqtt_time.is_request("monetiot", "monetiot/acme/m-1/time")
    assert not mqtt_time.is_request("monetiot", "monetiot/acme/m-1/events/time")
    assert not mqtt_time.is_request("monetiot", "other/acme/m-1/time")
    topic, body = mqtt_time.answer("monetiot", "monetiot/acme/m-1/time",
                                   b'{"id": "n1", "t0": 1700000000000}', 1700000000123) or ("", b"")
    assert topic == "monetiot/acme/m-1/commands"
    assert json.loads(body) == {"command": "time", "id": "n1", "t0": 1700000000000,
                                "server_ms": 1700000000123}


def test_a_bad_request_gets_a_reason_instead_of_a_time() -> None:
    for body, reason in [(b"now?", "is JSON"), (b"[1]", "JSON object"), (b'{"t0": 1}', "id:"),
                         (b'{"id": "n", "t0": "soon"}', "t0:"), (b"x" * 600, "at most 512")]:
        answered = mqtt_time.answer("p", "p/acme/m-1/time", body, 5)
        assert answered is not None
        doc = json.loads(answered[1])
        assert doc["command"] == "time" and reason in doc["error"] and "server_ms" not in doc


def test_no_answer_for_a_topic_naming_no_device() -> None:
    assert mqtt_time.answer("p", "p/acme/bad+id/time", b'{"id": "n"}', 5) is None
    assert mqtt_time.answer("p", "p/acme/time", b'{"id": "n"}', 5) is None


def test_the_worker_subscribes_to_time_requests_and_devices_may_send_them() -> None:
    assert "$share/g/p/+/+/time" in mqtt_topics.subscriptions("p", "g")
    assert "pattern write p/%u/time\n" in mqtt_topics.acl_text("p", "worker")
