"""YAML loading that remembers where every value came from (file and line).

PyYAML composes a node graph whose nodes carry ``start_mark``; we build the
plain Python data with :func:`yaml.safe_load` semantics and, alongside, a map
from each value's path (a tuple of mapping keys and sequence indices) to its
1-based line. Pydantic error locations are paths of the same shape, so a
validation error can be reported as ``file:line: field: message``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from boombust.errors import InputError, Issue

__all__ = ["LocatedYaml", "load_located_yaml", "validate_located"]

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LocatedYaml:
    """Parsed YAML data with the line of every mapping key and value."""

    data: Any
    path: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """Line of ``loc``, or of its nearest ancestor that has one."""
        key: PathKey = tuple(loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader (no arbitrary objects); used only to compose and construct."""


def _walk(node: yaml.Node, loader: _LineLoader, here: PathKey, lines: dict[PathKey, int]) -> Any:
    lines.setdefault(here, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                key = str(key)
            child = (*here, key)
            # a key's line is where the key is written: that is where the reader looks
            lines[child] = key_node.start_mark.line + 1
            out[key] = _walk(value_node, loader, child, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, loader, (*here, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_located_yaml(path: str | Path, *, text: str | None = None) -> LocatedYaml:
    """Load a YAML file (or ``text`` attributed to ``path``) keeping line numbers.

    Raises
    ------
    InputError
        If the file cannot be read or is not valid YAML (with the line of the fault).
    """
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(
                f"cannot read the file ({err.strerror}); check the path", path=name
            ) from None
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        data = {} if node is None else _walk(node, loader, (), lines)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark is not None else None
        raise InputError(
            f"not valid YAML: {err.problem}; fix the syntax", path=name, line=line
        ) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}; fix the syntax", path=name) from None
    finally:
        loader.dispose()
    return LocatedYaml(data=data, path=name, lines=lines)


def _loc_to_field(loc: Sequence[str | int]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _clean_loc(loc: Sequence[Any]) -> tuple[str | int, ...]:
    # pydantic inserts union-member tags (e.g. 'float', 'str') into locs; keep only real keys
    return tuple(x for x in loc if isinstance(x, int | str))


def validate_located(model: type[M], located: LocatedYaml, *, prefix: PathKey = ()) -> M:
    """Validate ``located.data`` into ``model``; errors become one located Issue each."""
    data: Any = located.data
    for key in prefix:
        data = data[key]
    if not isinstance(data, Mapping):
        raise InputError(
            "expected a mapping of fields at the top level; see the example files",
            path=located.path,
            line=located.line_of(prefix),
        )
    try:
        return model.model_validate(data)
    except ValidationError as err:
        issues = []
        for e in err.errors():
            loc = (*prefix, *_clean_loc(e["loc"]))
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown field; remove it or check its spelling"
            elif e["type"] == "missing":
                msg = "required field is missing; add it"
            issues.append(
                Issue(
                    msg,
                    path=located.path,
                    line=located.line_of(loc),
                    field=_loc_to_field(loc) or None,
                )
            )
        raise InputError(issues) from None
