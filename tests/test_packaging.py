"""Packaging guards: every package directory is shipped, and the grammars load from the package."""

from __future__ import annotations

import tomllib

from conftest import REPO


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "analyzer").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


def test_grammars_are_shipped_as_package_data():
    from analyzer.parse.grammar import grammar_text

    for path in (REPO / "grammars").glob("*.lark"):
        assert grammar_text(path.stem) == path.read_text()
