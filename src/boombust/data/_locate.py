"""Locations of values in input files, so every error can say ``path:line``.

Loaders record, for each location tuple (``("holdings", 3, "amount")``), the file
and line it came from. :meth:`Locator.issue` turns a validation problem at a
location into an :class:`~boombust.errors.Issue` with the nearest known line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from boombust.errors import Issue

__all__ = ["Loc", "Locator", "issues_from_validation_error", "load_yaml_with_lines"]

Loc = tuple[str | int, ...]


@dataclass
class Locator:
    """Maps location tuples to ``(file, line)``; the longest known prefix wins."""

    default_path: str
    lines: dict[Loc, tuple[str, int]] = field(default_factory=dict)

    def record(self, loc: Loc, path: str, line: int) -> None:
        self.lines[loc] = (path, line)

    def find(self, loc: Sequence[str | int]) -> tuple[str, int | None]:
        key = tuple(loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        if () in self.lines:
            return self.lines[()]
        return self.default_path, None

    def issue(self, loc: Sequence[str | int], message: str) -> Issue:
        path, line = self.find(loc)
        return Issue(message, path=path, line=line, field=field_name(loc))


def field_name(loc: Sequence[str | int]) -> str | None:
    """``("deals", 0, "tranches", 2, "attach")`` -> ``"deals.tranches.attach"``."""
    parts = [str(p) for p in loc if isinstance(p, str)]
    return ".".join(parts) if parts else None


_HINTS = {
    "extra_forbidden": "unknown field; remove it or check its spelling against the schema",
    "missing": "required field is missing; add it",
    "finite_number": "must be a finite number (got NaN or infinity); give the real value",
    "greater_than_equal": "{msg}; amounts and rates here cannot be negative",
    "greater_than": "{msg}",
    "less_than_equal": "{msg}",
    "string_pattern_mismatch": "{msg}",
}


def issues_from_validation_error(
    err: ValidationError, locator: Locator, *, prefix: Loc = ()
) -> list[Issue]:
    """One :class:`Issue` per pydantic error, located and with advice on what to do."""
    out: list[Issue] = []
    for e in err.errors(include_url=False):
        loc: Loc = prefix + tuple(p for p in e["loc"] if isinstance(p, str | int))
        # pydantic reports union members as extra loc parts (e.g. 'float'); drop type names
        loc = tuple(p for p in loc if p not in _TYPE_NAMES)
        msg = str(e["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        hint = _HINTS.get(e["type"], "{msg}")
        text = hint.format(msg=msg)
        if e["type"] == "extra_forbidden":
            text = f"{text} ({loc[-1]!r})"
        out.append(locator.issue(loc, text))
    return out


_TYPE_NAMES = frozenset({"float", "int", "str", "list[str]", "bool", "function-after", "dict"})


class _DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


_SCALARS = yaml.constructor.SafeConstructor()


def _construct(node: yaml.Node, loc: Loc, path: str, locator: Locator) -> Any:
    locator.record(loc, path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_construct_scalar(key_node))
            if key in out:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            child = (*loc, key)
            out[key] = _construct(value_node, child, path, locator)
            # the key's own line is the most useful place to point at
            locator.record(child, path, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), path, locator) for i, item in enumerate(node.value)]
    return _construct_scalar(node)


def _construct_scalar(node: yaml.Node) -> Any:
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)  # dates stay ISO strings
    return _SCALARS.construct_object(node, deep=True)


def load_yaml_with_lines(path: str | Path, locator: Locator | None = None) -> tuple[Any, Locator]:
    """Parse YAML keeping the line of every key and item.

    Raises
    ------
    boombust.errors.InputError
        Malformed YAML or a duplicate key, with the file and line.
    """
    from boombust.errors import InputError

    p = str(path)
    loc = locator or Locator(default_path=p)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found; check the path", path=p) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason}); save the file as UTF-8", path=p) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None, loc
        return _construct(node, (), p, loc), loc
    except _DuplicateKeyError as e:
        raise InputError(
            f"duplicate key {e.key!r}; each key may appear once per mapping",
            path=p,
            line=e.line,
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = e.problem or str(e)
        raise InputError(
            f"malformed YAML: {what}; fix the syntax (indentation, quotes, colons)",
            path=p,
            line=line,
        ) from None
    except yaml.YAMLError as e:
        raise InputError(f"malformed YAML: {e}", path=p) from None


def located_issues(locator: Locator, problems: Iterable[tuple[Loc, str]]) -> list[Issue]:
    return [locator.issue(loc, msg) for loc, msg in problems]
