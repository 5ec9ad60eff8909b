"""Types every /v1 schema shares: decimals, times, JSON documents, pages and problems.

- `Decimal` (responses): a decimal string with every digit kept ("12.50"), never a JSON number.
- `DecimalIn` (requests): a decimal string, or a JSON number read exactly (the body is parsed
  with the exact reader, so a number never passes through a binary float).
- `Timestamp`: RFC 3339 UTC text with milliseconds ("2026-11-24T12:00:00.000Z"). A response
  model that declares both `x` and `x_ms` fills `x` from `x_ms` (epoch ms, kept for clients
  written before), so a service never has to write a time twice.
- `TimeIn` (requests): RFC 3339 text, or epoch milliseconds; read as epoch ms.
- `Response` models forbid fields they do not declare: a service that starts returning a new
  field fails its tests until the schema (and so /openapi.json) describes it.
- `Problem`: the RFC 9457 body of every error (application/problem+json).
"""

from __future__ import annotations

from decimal import Decimal as _Decimal
from decimal import InvalidOperation
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)

from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import InvalidInput
from monetiot.domain.pages import DEFAULT_LIMIT, MAX_LIMIT

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"

Decimal = Annotated[str, WithJsonSchema({
    "type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN,
    "description": "An exact decimal number as text, e.g. \"12.50\".",
})]


def _exact_decimal(value: object) -> _Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, _Decimal)):
        raise ValueError("a decimal number as text, such as \"12.50\"")
    try:
        result = value if isinstance(value, _Decimal) else _Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


DecimalIn = Annotated[_Decimal, PlainValidator(_exact_decimal), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN},
              {"type": "number"}],
    "description": "An exact decimal: text (\"12.50\") or a JSON number, read exactly.",
})]

Timestamp = Annotated[str, WithJsonSchema({
    "type": "string", "format": "date-time",
    "description": "RFC 3339, UTC, milliseconds: 2026-11-24T12:00:00.000Z",
})]


def _time_in(value: object) -> int:
    from monetiot.web.responses import parse_time

    if isinstance(value, bool) or not isinstance(value, (str, int, _Decimal)):
        raise ValueError("RFC 3339 text (2026-11-01T00:00:00Z) or epoch milliseconds")
    if isinstance(value, _Decimal):
        if value != value.to_integral_value():
            raise ValueError("epoch milliseconds are whole numbers")
        value = int(value)
    try:
        parsed = parse_time(str(value), "time")
    except InvalidInput as exc:
        raise ValueError(exc.message) from None
    assert parsed is not None
    return parsed


TimeIn = Annotated[int, PlainValidator(_time_in), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "integer", "minimum": 0}],
    "description": "RFC 3339 (2026-11-01T00:00:00Z) or epoch milliseconds.",
})]

JsonObject = Annotated[dict[str, Any], WithJsonSchema({
    "type": "object", "additionalProperties": True,
})]


class Response(BaseModel):
    """A response body: only declared fields; times derived from their `_ms` twins."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    _times: ClassVar[tuple[tuple[str, str], ...]] = ()  # (time field, its epoch-ms field)
    _extra_times: ClassVar[tuple[tuple[str, str], ...]] = ()  # pairs not named `x`/`x_ms`

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        names = {f.alias or n for n, f in cls.model_fields.items()}
        taken = {source for _, source in cls._extra_times}
        cls._times = (*cls._extra_times, *(
            (n, f"{n}_ms") for n in sorted(names)
            if f"{n}_ms" in names and f"{n}_ms" not in taken))

    @model_validator(mode="before")
    @classmethod
    def _derive_times(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls._times:
            return data
        missing = [(t, s) for t, s in cls._times if t not in data and s in data]
        if not missing:
            return data
        data = dict(data)
        for name, source in missing:
            ms = data[source]
            data[name] = None if ms is None else iso_from_ms(int(ms))
        return data

    @classmethod
    def of(cls, view: Any) -> Self:
        """The schema of what a service returned (Decimals become their exact text first)."""
        from monetiot.web.responses import exact

        return cls.model_validate(exact(view))


class Request(BaseModel):
    """A request body: unknown fields are refused, naming the field."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def doc(self) -> dict[str, Any]:
        """The fields the caller sent, as the plain document a service reads."""
        return self.model_dump(exclude_unset=True, by_alias=True)


class Document(Request):
    """A request body that is a domain document (a plan, a contract, a tariff...): the model
    documents and checks its shape, and `doc()` hands the domain parser the document exactly as
    it was sent (numbers as exact Decimals, text as text), so that stored documents and their
    fingerprints do not depend on the schema. The parser names unknown fields itself."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    _sent: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_sent(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        if isinstance(data, dict):
            model._sent = dict(data)
        return model

    def doc(self) -> dict[str, Any]:
        return dict(self._sent)


class Problem(BaseModel):
    """RFC 9457 problem details; `field` names the input at fault (a body field, a query
    parameter, `body` for the body as a whole). A payload of events refused as a whole also
    carries `quarantine_id` and the batch members (`accepted`, `rejected`, `results`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", examples=["about:blank"])
    title: str = Field(examples=["invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["timezone: must be an IANA zone name such as Europe/Paris"])
    field: str | None = Field(None, examples=["timezone"])
    quarantine_id: int | None = Field(None, description="Where a refused payload is kept")


Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=(
    f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."))]
Cursor = Annotated[str | None, Field(description=(
    "Continue after the last item of a previous page: pass its `next_cursor` as it was, with "
    "the same filters."))]


class Paged(Response):
    """A page of a list: the items (under the list's own name) and, when more follow,
    `next_cursor`, where the next page starts (absent on the last page)."""

    next_cursor: str | None = Field(None, description=(
        "Present when another page follows: pass it as `cursor` (with the same filters)."))

    @classmethod
    def page(cls, items_key: str, items: Any, **extra: Any) -> Self:
        """The schema of a page a service returned (a `domain.pages.Page`)."""
        cursor = getattr(items, "next_cursor", None)
        return cls.of({items_key: items, **extra,
                       **({"next_cursor": cursor} if cursor is not None else {})})
