"""Load the lark grammars from grammars/ once and keep the LALR parsers for the whole process."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark

_REPO_GRAMMARS = Path(__file__).resolve().parents[2] / "grammars"


def grammar_text(name: str) -> str:
    """The text of grammars/<name>.lark, from an installed wheel or from a source checkout."""
    try:
        return resources.files("analyzer._grammars").joinpath(f"{name}.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (_REPO_GRAMMARS / f"{name}.lark").read_text(encoding="utf-8")


@cache
def lalr_parser(name: str, start: tuple[str, ...] = ("start",)) -> Lark:
    """A contextual-lexer LALR parser for one grammar family, built once per start-rule set."""
    return Lark(
        grammar_text(name),
        parser="lalr",
        lexer="contextual",
        start=list(start),
        maybe_placeholders=True,
        propagate_positions=False,
        cache=False,
    )
