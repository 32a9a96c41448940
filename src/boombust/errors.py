"""Errors and warnings are API: one family, messages that say what to change.

Every error boombust raises on purpose derives from :class:`BoombustError`.
Bad input (a file, a spec, an argument) raises :class:`InputError`, whose
message has the form ``path:line: table.field: what is wrong and what to do``;
the CLI prints it without a traceback and exits with code 3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BoombustError",
    "BoombustWarning",
    "ConvergenceWarning",
    "DataError",
    "InputError",
    "Issue",
    "SpecError",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an input, located as precisely as the input allows."""

    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"


class BoombustError(Exception):
    """Base class of every error boombust raises on purpose."""


class InputError(BoombustError, ValueError):
    """Bad input: a file, a spec or an argument. The CLI exits with code 3.

    Parameters
    ----------
    issues
        One or more :class:`Issue`, or a plain message.
    path, line, field
        Location of a single issue when ``issues`` is a plain message.
    """

    exit_code = 3

    def __init__(
        self,
        issues: str | Iterable[Issue],
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        if isinstance(issues, str):
            found: tuple[Issue, ...] = (Issue(issues, path=path, line=line, field=field),)
        else:
            found = tuple(issues)
        if not found:
            raise ValueError("InputError needs at least one issue")
        self.issues = found
        super().__init__("\n".join(str(i) for i in found))

    @property
    def first(self) -> Issue:
        return self.issues[0]


class DataError(InputError):
    """A dataset (YAML file or folder of CSVs) that does not validate."""


class SpecError(InputError):
    """A model or scenario specification that does not validate."""


class BoombustWarning(UserWarning):
    """Base class of boombust's warnings."""


class ConvergenceWarning(BoombustWarning):
    """An iterative solver stopped before meeting its tolerance."""
