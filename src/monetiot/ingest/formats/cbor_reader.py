"""A strict CBOR (RFC 8949) reader for the subset SenML uses, keeping each float's meaning.

`loads` turns one CBOR data item into Python values: maps to `dict`, arrays to `list`, text to
`str`, byte strings to `bytes`, integers to `int`, true/false/null to `bool`/`None`, and numbers
that are not integers to exact `Decimal`s.

Invariants:
- a float is read at the width it was sent: a finite half (0xf9) or single (0xfa) becomes the
  `Decimal` of the shortest decimal text that reads back to the same half or single (a float32
  120.1 is 120.1, not 120.0999984741211), a double (0xfb) the `Decimal` of its `repr`; a
  non-finite float stays a `float` (nan, inf) for the caller to refuse;
- decimal fractions (tag 4) are exact `Decimal`s and bignums (tags 2, 3) are `int`s; the
  self-described CBOR tag (55799) is skipped; every other tag is refused, naming it;
- definite and indefinite lengths are read alike (an indefinite string is its chunks joined);
- anything else is an error with the byte offset and the reason: truncated input, bytes after
  the item, a duplicate map key, a map key that is not an integer or a text string, text that is
  not UTF-8, reserved encodings, simple values other than false/true/null, nesting deeper than
  `MAX_DEPTH`. No input makes it raise anything but `CborError`.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal

MAX_DEPTH = 64
MAX_EXPONENT = 999_999  # the decimal module's default Emax
CborValue = object

_BREAK = object()
_SELF_DESCRIBED = 55799
_FLOATS = {25: (">e", 2, 5), 26: (">f", 4, 9), 27: (">d", 8, 17)}  # format, size, max digits


class CborError(ValueError):
    """The bytes are not one well-formed CBOR item of the supported subset; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loads(data: bytes) -> CborValue:
    """The one CBOR data item `data` holds (with nothing after it), as Python values."""
    if not data:
        raise CborError("empty: no CBOR data item")
    reader = _Reader(bytes(data))
    value = reader.item(0)
    if value is _BREAK:
        raise CborError("byte 0: a break (0xff) outside an indefinite-length item")
    if reader.pos != len(reader.data):
        raise CborError(f"{len(reader.data) - reader.pos} bytes after the pack")
    return value


def shortest_float_text(value: float, width: int) -> str:
    """The shortest decimal text that reads back as `value` at `width` bits (16, 32 or 64)."""
    if width == 64 or not math.isfinite(value):
        return repr(value)
    fmt, _, digits = _FLOATS[25 if width == 16 else 26]
    for precision in range(1, digits + 1):
        text = format(value, f".{precision}g")
        try:
            if struct.unpack(fmt, struct.pack(fmt, float(text)))[0] == value:
                return text
        except OverflowError:  # rounded up past the width's largest finite value
            continue
    return repr(value)  # unreachable: `digits` significant digits always round-trip


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise CborError(
                f"truncated: byte {self.pos} needs {size} more bytes, "
                f"{len(self.data) - self.pos} left"
            )
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int, int | None, int]:
        """(major type, additional information, argument or None if indefinite, offset)."""
        start = self.pos
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info, start
        if info <= 27:
            return major, info, int.from_bytes(self.take(1 << (info - 24)), "big"), start
        if info == 31:
            return major, info, None, start
        raise CborError(f"byte {start}: reserved additional information {info} (0x{initial:02x})")

    def item(self, depth: int) -> CborValue:
        if depth > MAX_DEPTH:
            raise CborError(f"byte {self.pos}: nested deeper than {MAX_DEPTH} levels")
        major, info, arg, start = self.head()
        if major == 7:
            return self.simple(info, arg, start)
        if major in (0, 1):
            if arg is None:
                raise CborError(f"byte {start}: an integer cannot have an indefinite length")
            return arg if major == 0 else -1 - arg
        if major in (2, 3):
            return self.string(major, arg, start)
        if major == 4:
            return self.array(arg, depth, start)
        if major == 5:
            return self.map(arg, depth, start)
        if arg is None:
            raise CborError(f"byte {start}: a tag cannot have an indefinite length")
        return self.tagged(arg, depth, start)

    def simple(self, info: int, arg: int | None, start: int) -> CborValue:
        if info in _FLOATS:
            fmt, size, _ = _FLOATS[info]
            assert arg is not None
            (value,) = struct.unpack(fmt, arg.to_bytes(size, "big"))
            if not math.isfinite(value):
                return float(value)
            return Decimal(shortest_float_text(value, size * 8))
        if arg is None:
            return _BREAK
        if info == 24 and arg < 32:
            raise CborError(f"byte {start}: simple value {arg} must be encoded in one byte")
        if arg == 20:
            return False
        if arg == 21:
            return True
        if arg == 22:
            return None
        what = "undefined" if arg == 23 else f"simple value {arg}"
        raise CborError(f"byte {start}: {what} is not a SenML value (only false, true, null)")

    def string(self, major: int, arg: int | None, start: int) -> str | bytes:
        if arg is None:
            chunks: list[bytes] = []
            while True:
                chunk_major, _, chunk_arg, chunk_start = self.head()
                if chunk_major == 7 and chunk_arg is None:
                    break
                if chunk_major != major or chunk_arg is None:
                    raise CborError(
                        f"byte {chunk_start}: a chunk of an indefinite-length string must be "
                        "a definite-length string of the same type"
                    )
                chunks.append(self.take(chunk_arg))
            raw = b"".join(chunks)
        else:
            raw = self.take(arg)
        if major == 2:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CborError(f"byte {start}: a text string that is not valid UTF-8") from None

    def array(self, arg: int | None, depth: int, start: int) -> list[CborValue]:
        items: list[CborValue] = []
        if arg is None:
            while (value := self.item(depth + 1)) is not _BREAK:
                items.append(value)
            return items
        self.need(arg, start)
        for _ in range(arg):
            items.append(self.defined(depth + 1))
        return items

    def map(self, arg: int | None, depth: int, start: int) -> dict[object, CborValue]:
        out: dict[object, CborValue] = {}
        if arg is not None:
            self.need(2 * arg, start)
        count = 0
        while arg is None or count < arg:
            key_at = self.pos
            key = self.item(depth + 1) if arg is None else self.defined(depth + 1)
            if key is _BREAK:
                break
            if isinstance(key, bool) or not isinstance(key, (int, str)):
                raise CborError(
                    f"byte {key_at}: a map key is an integer or a text string in SenML, "
                    f"not {_kind(key)}"
                )
            if key in out:
                raise CborError(f"byte {key_at}: duplicate map key {key!r}")
            out[key] = self.defined(depth + 1)
            count += 1
        return out

    def tagged(self, tag: int, depth: int, start: int) -> CborValue:
        if tag == _SELF_DESCRIBED:
            return self.defined(depth + 1)
        if tag in (2, 3):
            content = self.defined(depth + 1)
            if not isinstance(content, bytes):
                raise CborError(f"byte {start}: a bignum (tag {tag}) holds a byte string")
            magnitude = int.from_bytes(content, "big")
            return magnitude if tag == 2 else -1 - magnitude
        if tag == 4:
            content = self.defined(depth + 1)
            if (
                not isinstance(content, list)
                or len(content) != 2
                or not all(isinstance(part, int) and not isinstance(part, bool) for part in content)
            ):
                raise CborError(
                    f"byte {start}: a decimal fraction (tag 4) is [exponent, mantissa], integers"
                )
            exponent, mantissa = content
            assert isinstance(exponent, int) and isinstance(mantissa, int)
            if abs(exponent) > MAX_EXPONENT:
                raise CborError(
                    f"byte {start}: decimal fraction exponent {exponent} is beyond "
                    f"+/-{MAX_EXPONENT}"
                )
            sign, digits, _ = Decimal(mantissa).as_tuple()
            return Decimal((sign, digits, exponent))
        raise CborError(
            f"byte {start}: CBOR tag {tag} is not used by SenML "
            "(numbers are integers, floats or decimal fractions, tag 4)"
        )

    def defined(self, depth: int) -> CborValue:
        at = self.pos
        value = self.item(depth)
        if value is _BREAK:
            raise CborError(f"byte {at}: a break (0xff) outside an indefinite-length item")
        return value

    def need(self, count: int, start: int) -> None:
        """Fail early on a length the rest of the input cannot hold (each item is >= 1 byte)."""
        left = len(self.data) - self.pos
        if count > left:
            raise CborError(
                f"truncated: the item at byte {start} announces {count} entries, "
                f"only {left} bytes follow"
            )


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, (Decimal, float)):
        return "a float"
    if isinstance(value, bytes):
        return "a byte string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__
