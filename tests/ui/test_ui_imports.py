"""The UI talks to the store through app.models and to tokens through app.token: it never imports
SQLAlchemy or python-pkcs11 itself."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "app" / "ui"
FORBIDDEN = ("sqlalchemy", "pkcs11")


def imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_ui_imports_neither_sqlalchemy_nor_pkcs11() -> None:
    sources = sorted(UI.rglob("*.py"))
    assert len(sources) > 20
    offending = {
        f"{src.relative_to(UI)}: {name}"
        for src in sources
        for name in imported_modules(src)
        if name.split(".")[0] in FORBIDDEN
    }
    assert not offending


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nif True:\n    from sqlalchemy.orm import Session\n    import pkcs11.types\n")
    assert {n.split(".")[0] for n in imported_modules(sample)} >= {"sqlalchemy", "pkcs11"}
