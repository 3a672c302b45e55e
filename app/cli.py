"""``dabir`` command line: no subcommand opens the desktop app; subcommands work headless."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from app import __version__

# Each module exposes ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES = ("app.token.cli", "app.sync.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dabir", description="Dabir secretariat client (دبیر)")
    parser.add_argument("--version", action="version", version=f"dabir {__version__}")
    parser.add_argument("--data-dir", help="where the local store lives (default: the user data folder; env DABIR_DATA_DIR)")
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency, not an absent optional module
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        from app.ui.main import run_gui  # Qt only when the window is wanted

        return run_gui(args)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
