"""The operator's account commands of ``dabir-server``: add-agency, rasad-grant / rasad-revoke /
rasad-grants and channel-add / -serve / -revoke / -rekey / -list, each one audited write or read."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any

from sqlalchemy import Connection

from server.cli_settings import operator_context
from server.config import ENV_PREFIX


def cmd_add_agency(args: argparse.Namespace) -> int:
    from server.admin import create_agency, create_user
    from server.auth import hash_password
    from server.errors import ApiError

    password = os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    with operator_context(args) as ctx:

        def add(conn: Connection) -> None:
            aid = create_agency(ctx, conn, args.national_id, args.name)
            create_user(ctx, conn, aid, username=args.admin_username, display_name="راهبر سازمان",
                        password_hash=password_hash, roles=["agency_admin"])
        try:
            ctx.db.write_now(add)
        except ApiError as exc:
            print(f"dabir-server: {exc.message_en}", file=sys.stderr)
            return 2
    print(f"agency {args.national_id} created; administrator {args.admin_username}")
    if not os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD"):
        print(f"initial administrator password (shown once): {password}")
    return 0


def _operator() -> str:
    """Who runs the CLI (the OS account), as the grant's record names them."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def cmd_rasad_grant(args: argparse.Namespace) -> int:
    """rasad-grant / rasad-revoke: one observer, one agency, audited in that agency's log."""
    from server.rasad_grants import GrantError, grant, revoke

    change = grant if args.command == "rasad-grant" else revoke
    with operator_context(args) as ctx:
        try:
            changed = ctx.db.write_now(lambda conn: change(ctx, conn, args.observer, args.agency, _operator()))
        except GrantError as exc:
            print(f"dabir-server: {exc}", file=sys.stderr)
            return 2
    done = "granted" if change is grant else "revoked"
    print(f"{args.observer} / agency {args.agency}: {done}" if changed else
          f"{args.observer} / agency {args.agency}: nothing to do (already {done})")
    return 0


def cmd_rasad_grants(args: argparse.Namespace) -> int:
    from server.rasad_grants import listing

    with operator_context(args) as ctx, ctx.db.read() as conn:
        rows = listing(conn)
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d %H:%M} by {r['revoked_by']}" if r["revoked_at"] else "active"
        print(f"{r['observer']}\t{r['agency']}\tgranted {r['granted_at']:%Y-%m-%d %H:%M} by {r['granted_by']}\t{state}")
    return 0


def _channel_change(args: argparse.Namespace, change: Any) -> Any:
    """Run one channel-account change in a write (the ChannelError as a one-line refusal: None)."""
    from server.channels import ChannelError

    with operator_context(args) as ctx:
        try:
            return ctx.db.write_now(lambda conn: change(ctx, conn))
        except ChannelError as exc:
            print(f"dabir-server: {exc}", file=sys.stderr)
            return None


def cmd_channel_add(args: argparse.Namespace) -> int:
    """channel-add: a portal's or pishkhan office's account; its key is printed once, never stored."""
    from server.channels import add

    key = _channel_change(args, lambda ctx, conn: add(ctx, conn, args.name, args.channel, args.display_name,
                                                      args.agency, _operator()))
    if key is None:
        return 2
    print(f"channel account {args.name} ({args.channel}) serves {', '.join(dict.fromkeys(args.agency))}")
    print(f"key (shown once; the server keeps only its hash): {key}")
    return 0


def cmd_channel_rekey(args: argparse.Namespace) -> int:
    from server.channels import rekey

    key = _channel_change(args, lambda ctx, conn: rekey(ctx, conn, args.name, _operator()))
    if key is None:
        return 2
    print(f"channel account {args.name}: the old key no longer works")
    print(f"new key (shown once; the server keeps only its hash): {key}")
    return 0


def cmd_channel_serve(args: argparse.Namespace) -> int:
    from server.channels import serve

    changed = _channel_change(args, lambda ctx, conn: serve(ctx, conn, args.name, args.agency, _operator()))
    if changed is None:
        return 2
    print(f"channel account {args.name} / agency {args.agency}: " + ("served" if changed else "nothing to do (served already)"))
    return 0


def cmd_channel_revoke(args: argparse.Namespace) -> int:
    from server.channels import revoke

    changed = _channel_change(args, lambda ctx, conn: revoke(ctx, conn, args.name, _operator()))
    if changed is None:
        return 2
    print(f"channel account {args.name}: " + ("revoked" if changed else "nothing to do (revoked already)"))
    return 0


def cmd_channel_list(args: argparse.Namespace) -> int:
    from server.channels import listing

    with operator_context(args) as ctx, ctx.db.read() as conn:
        rows = listing(conn)
    for r in rows:
        print(f"{r['name']}\t{r['channel']}\t{r['display_name']}\t{'active' if r['active'] else 'revoked'}\t"
              f"created {r['created_at']:%Y-%m-%d %H:%M}\t{','.join(r['agencies'])}")
    return 0
