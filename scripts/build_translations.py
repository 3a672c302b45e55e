"""Compile every ``translations/*/*.ts`` to the ``.qm`` beside it with ``pyside6-lrelease``.

    python scripts/build_translations.py          # all catalogs
    python scripts/build_translations.py --stale  # only those older than their .ts

The app compiles a missing or stale catalog on the fly too; installers run this ahead of time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # usable from a clone that was never pip-installed

from app.ui.i18n import TranslationBuildError, compile_all  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stale", action="store_true", help="only catalogs whose .qm is missing or older")
    parser.add_argument("--dir", type=Path, default=ROOT / "translations")
    args = parser.parse_args()
    try:
        built = compile_all(args.dir, force=not args.stale)
    except TranslationBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    for qm in built:
        print(qm.relative_to(ROOT) if qm.is_relative_to(ROOT) else qm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
