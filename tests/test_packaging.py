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


def test_every_report_template_file_is_package_data():
    """The page template and its script are read at run time: an installed copy must ship both."""
    from fnmatch import fnmatch

    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "analyzer.report"]
    files = [p.relative_to(REPO / "analyzer" / "report").as_posix()
             for p in (REPO / "analyzer" / "report" / "templates").iterdir()]
    assert {"templates/report.html.j2", "templates/report.js"} <= set(files)
    assert [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)] == []
