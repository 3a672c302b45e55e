"""``dabir`` command line: no subcommand opens the desktop app; subcommands work headless."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from app import __version__
from app.log_file import LOG_FORMAT

# Each module exposes ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES = ("app.token.cli", "app.sync.cli")


def _base_parser(*, add_help: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dabir", description="Dabir secretariat client (دبیر)", add_help=add_help)
    parser.add_argument("--version", action="version", version=f"dabir {__version__}")
    parser.add_argument("--data-dir", help="where the local store lives (default: the user data folder; env DABIR_DATA_DIR)")
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING or ERROR")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _base_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


# What the desktop client needs that a server-only install (dabir[server]) does not have.
CLIENT_PACKAGES = frozenset({"PySide6", "shiboken6", "pkcs11", "pyhanko", "httpx", "sqlalchemy", "alembic", "segno",
                             "platformdirs", "keyring"})


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in CLIENT_PACKAGES:
            raise
        print(f"dabir: the desktop client is not installed here ({exc.name} is missing); "
              "install it with: pip install 'dabir[client]'", file=sys.stderr)
        return 2


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    base, rest = _base_parser(add_help=False).parse_known_args(argv)
    if rest:  # a subcommand or --help: only now pay for importing the command modules
        args = build_parser().parse_args(argv)
    else:
        args, args.command = base, None
    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT)
    if args.command is None:
        from app.ui.main import run_gui  # Qt only when the window is wanted

        return run_gui(args)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
