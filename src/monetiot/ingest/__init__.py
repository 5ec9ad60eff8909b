"""Bytes in, events out: payload decoders (`formats`), the MQTT worker and the device simulator."""
