"""The case library shipped as package data (``score/cases/*.yaml``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from boombust.errors import InputError
from boombust.score.evidence import Evidence, load_evidence
from boombust.score.rubric import Rubric

__all__ = ["case_names", "load_case"]


def case_names() -> tuple[str, ...]:
    """Names of the bundled cases (file stems), sorted."""
    folder = resources.files("boombust.score").joinpath("cases")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_case(case: str | Path, rubric: Rubric) -> tuple[Evidence, str]:
    """Load a bundled case by name, or an evidence file by path.

    Returns the validated evidence and the path it was read from (for messages).
    """
    text_path = str(case)
    if text_path.endswith((".yaml", ".yml")) or Path(text_path).exists():
        return load_evidence(text_path, rubric), text_path
    names = case_names()
    if text_path not in names:
        raise InputError(
            f"unknown case {text_path!r}: not a bundled case and not a file; "
            f"use one of {list(names)} or a path to an evidence YAML file",
            field="case",
        )
    ref = resources.files("boombust.score").joinpath(f"cases/{text_path}.yaml")
    label = f"cases/{text_path}.yaml"
    return load_evidence(label, rubric, text=ref.read_text(encoding="utf-8")), label
