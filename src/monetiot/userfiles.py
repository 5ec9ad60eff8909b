"""Reading the documents users write (charges, plans, meters, scenarios): JSON or YAML.

Invariants: numbers are read exactly (JSON numbers and YAML floats become `Decimal`, never a
binary float); YAML is read with a safe loader that also refuses duplicate keys (the second
would silently win); the format is chosen by suffix (.yaml/.yml, anything else is JSON). For
YAML, `Document.locate` turns an error naming a field path (`usage[0].charge.tiers[1].up_to`)
into one that also names the file and line (`plans/pro.yaml:23: usage[0]...: ...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from monetiot.domain import jsonexact
from monetiot.domain.errors import InvalidInput, MonetiotError

_LAST_STEP = re.compile(r"(\.[^.\[]*|\[\d+\])$")  # ".name" or "[3]" at the end of a path


@dataclass(frozen=True)
class Document:
    """A document's data, and (YAML) the 1-based line of every field path in it."""

    data: Any
    path: Path
    lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, field_path: str | None) -> int | None:
        """The line of the field, or of the nearest enclosing one (a missing field's object)."""
        if field_path is None:
            return None
        current = field_path
        while True:
            if current in self.lines:
                return self.lines[current]
            if not current:
                return None
            shorter = _LAST_STEP.sub("", current)
            current = shorter if shorter != current else ""

    def locate(self, exc: MonetiotError) -> InvalidInput:
        """`exc` as one line that starts with where it happened: `FILE:LINE: field: message`."""
        line = self.line_of(exc.field)
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        return InvalidInput(f"{where}: {exc}")


def read_document(path: Path, what: str = "document") -> Any:
    """The parsed content of a JSON or YAML file; `what` names the file in errors."""
    return read_located(path, what).data


def read_located(path: Path, what: str = "document") -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the {what} file: {exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _load_yaml(text, path)
    try:
        return Document(jsonexact.loads(text), path)
    except ValueError as exc:  # json.JSONDecodeError, or nested too deep
        raise InvalidInput(f"{path}: not valid JSON: {exc}") from None


def _load_yaml(text: str, path: Path) -> Document:
    import yaml  # only YAML files pay for importing it

    class ExactLoader(yaml.SafeLoader):
        """SafeLoader that reads YAML floats as exact decimals and refuses duplicate keys."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
            first: dict[object, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in first:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key_node.value!r} (first on line "
                            f"{first[key_node.value]})", key_node.start_mark)
                    first[key_node.value] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep)

    def exact_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
        text = str(loader.construct_scalar(node)).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise InvalidInput(f"{path}:{node.start_mark.line + 1}: not a finite decimal: "
                               f"{text!r}")
        return value

    ExactLoader.add_constructor("tag:yaml.org,2002:float", exact_float)
    loader = ExactLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput(f"{path}: not valid YAML{line}: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _index(node, "", lines)
    return Document(data, path, lines)


def _index(node: Any, at: str, lines: dict[str, int]) -> None:
    """Record the line of every field path under `node` (the path format of domain errors)."""
    import yaml

    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            here = f"{at}.{key}" if at else key
            lines[here] = key_node.start_mark.line + 1
            _index(value_node, here, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item_node in enumerate(node.value):
            _index(item_node, f"{at}[{index}]", lines)
