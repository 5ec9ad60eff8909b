"""Payload tools that need no database: `monetiot normalize`."""

from __future__ import annotations
