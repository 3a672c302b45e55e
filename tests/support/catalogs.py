"""A Persian catalog (translations/fa/*.ts) checked against the code it translates."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from app.ui.resources import translations_dir

ROOT = Path(__file__).resolve().parents[2]


def _messages(ts: Path) -> set[tuple[str, str]]:
    out = set()
    for ctx in re.findall(r"<context>(.*?)</context>", ts.read_text(encoding="utf-8"), re.S):
        name = re.search(r"<name>(.*?)</name>", ctx).group(1)  # type: ignore[union-attr]
        out.update((name, src) for src in re.findall(r"<source>(.*?)</source>", ctx, re.S))
    return out


def checked_translations(catalog: str, sources: list[str], tmp_path: Path) -> list[str]:
    """The translations of ``catalog`` once it is complete and holds exactly the strings that
    ``pyside6-lupdate`` finds in ``sources`` (paths from the repository root)."""
    path = translations_dir() / "fa" / catalog
    text = path.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and "<translation></translation>" not in text
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], cwd=ROOT, check=True, capture_output=True)
    assert _messages(fresh) == _messages(path)
    return [html.unescape(t) for t in re.findall(r"<translation>(.*?)</translation>", text, re.S)]
