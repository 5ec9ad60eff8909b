"""The outbox: readings kept on the device's disk until the server has them.

One SQLite file (WAL, `synchronous=FULL`): `append` returns only after the commit is on disk, so a
reading survives a crash or a power cut from the moment `record` returns. Readings leave the
outbox only when the sender deletes them (the server acknowledged them) or when the drop-oldest
policy makes room; the SDK's own reports (drops, clock skew) wait in a table of their own.

Invariants:
- an event id is stable: the caller's, or `UID-SEQ`, where UID is random to the outbox file and
  SEQ never reused (AUTOINCREMENT), so a reading resent after a crash has the id it had, and two
  outboxes never collide; `recorded` (the last SEQ) is committed with the reading itself;
- the limit (`max_records`, `max_bytes`) holds after every append: `refuse` raises `OutboxFull`
  and records nothing of the batch; `drop_oldest` deletes the oldest readings not in flight,
  and every dropped reading is counted in the same transaction, in a `dropped` report per device
  (count, first and last id and time) that the sender delivers to the server: never silent;
- readings in flight (taken by the sender, not yet settled) are never dropped, so a reading is
  either delivered or reported dropped, never both; if every reading is in flight, the outbox
  exceeds its limit by at most the batch in flight (the sender keeps batches to a quarter of it);
- a report's content is frozen (`sealed`) the first time it is taken for sending, so a resent
  report has the same id and content; later drops open a new report;
- one process at a time: an exclusive lock on `PATH.lock` (released by the OS when the process
  dies, so a restarted process takes over at once).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from monetiot.edge.values import ReadingError, rfc3339

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one process per outbox is the caller's care
    fcntl = None  # type: ignore[assignment]

POLICIES = ("refuse", "drop_oldest")
SCHEMA_VERSION = "1"
_OVERHEAD = 32  # bytes counted per reading besides its text fields
_VACUUM_PAGES = 1024
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT,
    device TEXT NOT NULL,
    type TEXT NOT NULL,
    time_us INTEGER NOT NULL,
    data TEXT NOT NULL,
    encoding TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    device TEXT NOT NULL,
    time_us INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
"""
_COUNTERS = ("dropped", "sent", "rejected")


class EdgeError(Exception):
    """Something the SDK cannot do; the message says what and how to fix it."""


class OutboxFull(EdgeError):
    """The outbox is at its limit and its policy is `refuse`: the reading was not recorded."""


@dataclass(frozen=True, slots=True)
class NewReading:
    device: str
    type: str
    time_us: int
    data: str  # JSON text (values.to_json)
    encoding: str  # json | senml+cbor
    id: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) + len(self.type) + len(self.device) + len(self.id or "") + _OVERHEAD


@dataclass(frozen=True, slots=True)
class Row:
    """A reading or a report on its way to the server."""

    key: int  # seq of a reading, rid of a report
    report: bool
    id: str
    device: str
    type: str
    time_us: int
    data: str
    encoding: str


class Outbox:
    def __init__(self, path: str | os.PathLike[str], *, max_records: int | None = 100_000,
                 max_bytes: int | None = None, when_full: str = "refuse") -> None:
        if when_full not in POLICIES:
            raise ValueError(f"when_full: one of {', '.join(POLICIES)}, not {when_full!r}")
        for name, limit in (("max_records", max_records), ("max_bytes", max_bytes)):
            if limit is not None and (not isinstance(limit, int) or limit < 1):
                raise ValueError(f"{name}: a positive integer or None, not {limit!r}")
        self.path = Path(path)
        self.max_records, self.max_bytes, self.when_full = max_records, max_bytes, when_full
        self._lock = threading.Lock()
        self._lockfile = _take_lock(self.path)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                     timeout=30)
        self._conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new file
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
        self._conn.executescript(_SCHEMA)
        self.uid = self._meta_default("uid", secrets.token_hex(8))
        version = self._meta_default("schema", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise EdgeError(f"{self.path}: outbox schema {version}, this SDK reads "
                            f"{SCHEMA_VERSION}")
        self._in_flight: set[int] = set()
        self._reports_in_flight: set[int] = set()
        count, size = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM readings").fetchone()
        self._count, self._bytes = int(count), int(size)

    # recording ---------------------------------------------------------------------------------

    def append(self, readings: Sequence[NewReading]) -> list[str]:
        """Store `readings` durably, all or none; return their event ids."""
        for r in readings:
            if self.max_bytes is not None and r.size > self.max_bytes:
                raise ReadingError(f"data: the reading takes {r.size} bytes, more than the "
                                   f"outbox limit max_bytes={self.max_bytes}")
        with self._lock:
            count, size = self._count, self._bytes
            ids: list[str] = []
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self.when_full == "refuse":
                    self._check_fits(readings, count, size)
                for r in readings:
                    if self.when_full == "drop_oldest":
                        count, size = self._make_room(r.size, count, size)
                    seq = self._conn.execute(
                        "INSERT INTO readings (id, device, type, time_us, data, encoding, size) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (r.id, r.device, r.type, r.time_us, r.data, r.encoding, r.size),
                    ).lastrowid
                    ids.append(r.id or f"{self.uid}-{seq}")
                    count, size = count + 1, size + r.size
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._count, self._bytes = count, size
            return ids

    def _check_fits(self, readings: Sequence[NewReading], count: int, size: int) -> None:
        over_count = self.max_records is not None and count + len(readings) > self.max_records
        over_bytes = self.max_bytes is not None and \
            size + sum(r.size for r in readings) > self.max_bytes
        if over_count or over_bytes:
            limit = f"max_records={self.max_records}" if over_count \
                else f"max_bytes={self.max_bytes}"
            raise OutboxFull(
                f"{self.path}: outbox full ({count} readings, {size} bytes; {limit}); "
                f"{len(readings)} reading(s) not recorded: the server has not taken the older "
                "ones yet (is the device connected?)")

    def _make_room(self, new_size: int, count: int, size: int) -> tuple[int, int]:
        """Drop the oldest readings not in flight until one of `new_size` bytes fits."""
        need_count = count + 1 - self.max_records if self.max_records is not None else 0
        need_bytes = size + new_size - self.max_bytes if self.max_bytes is not None else 0
        if need_count <= 0 and need_bytes <= 0:
            return count, size
        dropped: list[tuple[int, str | None, str, int, int]] = []
        after = 0
        while need_count > 0 or need_bytes > 0:
            batch = self._conn.execute(
                "SELECT seq, id, device, time_us, size FROM readings WHERE seq > ? "
                "ORDER BY seq LIMIT 64", (after,)).fetchall()
            if not batch:
                break  # everything left is in flight: exceed the limit by that much for now
            for seq, event_id, device, time_us, row_size in batch:
                after = seq
                if seq in self._in_flight:
                    continue
                dropped.append((seq, event_id, device, time_us, row_size))
                need_count -= 1
                need_bytes -= row_size
                if need_count <= 0 and need_bytes <= 0:
                    break
        if dropped:
            self._conn.executemany("DELETE FROM readings WHERE seq = ?",
                                   [(d[0],) for d in dropped])
            self._note_drops(dropped)
            count -= len(dropped)
            size -= sum(d[4] for d in dropped)
        return count, size

    def _note_drops(self, dropped: list[tuple[int, str | None, str, int, int]]) -> None:
        by_device: dict[str, list[tuple[int, str | None, str, int, int]]] = {}
        for d in dropped:
            by_device.setdefault(d[2], []).append(d)
        for device, rows in by_device.items():
            first, last = rows[0], rows[-1]
            found = self._conn.execute(
                "SELECT rid, data FROM reports WHERE kind = 'dropped' AND device = ? "
                "AND sealed = 0", (device,)).fetchone()
            doc: dict[str, Any] = json.loads(found[1]) if found else {
                "count": 0, "first_id": first[1] or f"{self.uid}-{first[0]}",
                "first_time": rfc3339(first[3])}
            doc["count"] += len(rows)
            doc["last_id"] = last[1] or f"{self.uid}-{last[0]}"
            doc["last_time"] = rfc3339(last[3])
            if found:
                self._conn.execute("UPDATE reports SET data = ? WHERE rid = ?",
                                   (json.dumps(doc), found[0]))
            else:
                self._conn.execute(
                    "INSERT INTO reports (kind, device, time_us, data) VALUES ('dropped', ?, ?, ?)",
                    (device, first[3], json.dumps(doc)))
        self._bump("dropped", len(dropped))

    def add_report(self, kind: str, device: str, time_us: int, data: dict[str, object]) -> None:
        """Queue a report; an unsent report of the same kind and device is replaced."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM reports WHERE kind = ? AND device = ? AND sealed = 0",
                               (kind, device))
            self._conn.execute("INSERT INTO reports (kind, device, time_us, data) "
                               "VALUES (?, ?, ?, ?)", (kind, device, time_us, json.dumps(data)))
            self._conn.execute("COMMIT")

    # sending -----------------------------------------------------------------------------------

    def take(self, limit: int, skip_devices: Iterable[str] = ()) -> list[Row]:
        """Up to `limit` of the oldest readings not in flight, now in flight; reports first.

        With `max_bytes`, what is taken stays under a quarter of it (one reading at least)."""
        skip = set(skip_devices)
        budget = self.max_bytes // 4 if self.max_bytes is not None else None
        with self._lock:
            rows = self._take_reports(skip)
            after, taken_bytes, full = 0, 0, False
            while len(rows) < limit and not full:
                batch = self._conn.execute(
                    "SELECT seq, id, device, type, time_us, data, encoding, size FROM readings "
                    "WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
                if not batch:
                    break
                for seq, event_id, device, kind, time_us, data, encoding, size in batch:
                    after = seq
                    if seq in self._in_flight or device in skip:
                        continue
                    if budget is not None and taken_bytes and taken_bytes + size > budget:
                        full = True
                        break
                    rows.append(Row(seq, False, event_id or f"{self.uid}-{seq}", device, kind,
                                    time_us, data, encoding))
                    self._in_flight.add(seq)
                    taken_bytes += size
                    if len(rows) >= limit:
                        break
            return rows

    def _take_reports(self, skip: set[str]) -> list[Row]:
        self._conn.execute("UPDATE reports SET sealed = 1 WHERE sealed = 0")
        rows = []
        for rid, kind, device, time_us, data in self._conn.execute(
                "SELECT rid, kind, device, time_us, data FROM reports ORDER BY rid"):
            if rid in self._reports_in_flight or device in skip:
                continue
            rows.append(Row(rid, True, f"{self.uid}-r{rid}", device, f"edge.{kind}", time_us,
                            data, "json"))
            self._reports_in_flight.add(rid)
        return rows

    def settle(self, delivered: Sequence[Row], failed: Sequence[Row], rejected: int = 0) -> None:
        """Delete what the server took (`rejected` of them it quarantined); free the rest."""
        with self._lock:
            seqs = [(r.key,) for r in delivered if not r.report]
            rids = [(r.key,) for r in delivered if r.report]
            if seqs or rids:
                self._conn.execute("BEGIN IMMEDIATE")
                sizes = 0
                for (seq,) in seqs:
                    found = self._conn.execute("SELECT size FROM readings WHERE seq = ?",
                                               (seq,)).fetchone()
                    if found:
                        sizes += found[0]
                        self._count -= 1
                self._conn.executemany("DELETE FROM readings WHERE seq = ?", seqs)
                self._conn.executemany("DELETE FROM reports WHERE rid = ?", rids)
                self._bump("sent", len(seqs))
                self._bump("rejected", rejected)
                self._conn.execute("COMMIT")
                self._bytes -= sizes
            for r in (*delivered, *failed):
                (self._reports_in_flight if r.report else self._in_flight).discard(r.key)
            if seqs:
                self._vacuum()

    def _vacuum(self) -> None:
        (free,) = self._conn.execute("PRAGMA freelist_count").fetchone()
        if free > _VACUUM_PAGES:
            self._conn.execute(f"PRAGMA incremental_vacuum({free})")

    # state -------------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Readings held (in flight included)."""
        return self._count

    @property
    def pending_bytes(self) -> int:
        return self._bytes

    def pending_reports(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0])

    def counters(self) -> dict[str, int]:
        """Persistent totals: recorded (readings ever), dropped, sent, rejected."""
        with self._lock:
            found = self._conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'readings'").fetchone()
            out = {"recorded": int(found[0]) if found else 0}
            for name in _COUNTERS:
                row = self._conn.execute("SELECT value FROM meta WHERE key = ?",
                                         (name,)).fetchone()
                out[name] = int(row[0]) if row else 0
            return out

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._lockfile is not None:
                self._lockfile.close()  # releases the lock
                self._lockfile = None

    # helpers -----------------------------------------------------------------------------------

    def _meta_default(self, key: str, value: str) -> str:
        self._conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        return str(self._conn.execute("SELECT value FROM meta WHERE key = ?",
                                      (key,)).fetchone()[0])

    def _bump(self, counter: str, by: int) -> None:
        if by:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + ?", (counter, str(by), by))


def _take_lock(path: Path) -> IO[str] | None:
    if fcntl is None:  # pragma: no cover
        return None
    handle = open(f"{path}.lock", "a")  # noqa: SIM115 - held open for the outbox's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise EdgeError(f"{path} is in use by another process (lock {path}.lock); one Device "
                        "per outbox file") from None
    return handle
