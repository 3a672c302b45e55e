"""``dabir login`` and ``dabir sync``: the sync engine from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from app.models.db import Store, default_data_dir, open_store
from app.sync import account as acc
from app.sync.api import ApiError, DabirApi


def _store(args: argparse.Namespace) -> Store:
    return open_store(Path(args.data_dir) if args.data_dir else default_data_dir())


def cmd_login(args: argparse.Namespace) -> int:
    store = _store(args)
    password = os.environ.get(args.password_env) if args.password_env else None
    if password is None:
        password = getpass.getpass(f"Password for {args.username}: ")
    try:
        info = acc.login(store, acc.Account(args.server, args.username, args.ca_bundle), password)
    except (ApiError, acc.AccountError) as exc:
        print(f"login failed: {exc}", file=sys.stderr)
        return 1
    print(f"logged in as {args.username} ({', '.join(info.get('user', {}).get('roles', []))})")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        engine = acc.open_engine(store)
    except acc.AccountError as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    try:
        report = engine.run_once()
    finally:
        if isinstance(engine.api, DabirApi):
            engine.api.close()
    summary = {
        "online": report.online,
        "registered": len(report.registered),
        "sent": len(report.sent),
        "rejected": [{"guid": g, "reason": r} for g, r in report.rejected],
        "received": len(report.received),
        "acknowledged": len(report.acknowledged),
        "verified": len(report.verified),
        "pending": report.pending,
        "error": report.error,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if report.online and report.error is None else 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("login", help="log this profile in to the central server")
    p.add_argument("--server", required=True, help="https://host:port of the central server")
    p.add_argument("--username", required=True)
    p.add_argument("--ca-bundle", help="PEM file of the CA that issued the server's TLS certificate")
    p.add_argument("--password-env", help="name of an environment variable holding the password (else a prompt)")
    p.set_defaults(func=cmd_login)
    p = sub.add_parser("sync", help="exchange the outbox, inbox, acknowledgements and directory with the server")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    p.set_defaults(func=cmd_sync)
