"""``dabir tokens``, ``dabir sign`` and ``dabir verify``.

Errors are printed in English on stderr; the exit code is 0 only on success (for ``verify``:
only when every signature is valid).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import pathlib
import sys
from typing import Any

from app.protocol.canonical import InvalidContent, validate_content
from app.protocol.package import InvalidPackage, LetterPackage
from app.protocol.trust import TrustStore
from app.protocol.verify import verify_detached
from app.token.certificates import list_signing_certificates
from app.token.errors import TokenError
from app.token.modules import detect_modules, load_module
from app.token.signing import open_signing_session
from app.token.tokens import find_token, list_tokens

log = logging.getLogger(__name__)

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("tokens", help="list PKCS#11 modules found, tokens and signing certificates")
    p.add_argument("--module", action="append", default=[], help="module path (repeatable; default: auto-detect)")
    p.set_defaults(func=cmd_tokens)

    p = subparsers.add_parser("sign", help="sign a letter with a PKCS#11 token")
    p.add_argument("--module", required=True, help="PKCS#11 module path")
    p.add_argument("--token", help="token label (needed when several tokens are present)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--cert-label", help="label of the signing certificate on the token")
    g.add_argument("--cert-id", help="CKA_ID of the signing certificate, hex")
    p.add_argument("--pin-env", metavar="VARNAME", help="read the PIN from this environment variable (else prompt)")
    p.add_argument("--pin-pad", action="store_true", help="enter the PIN on the reader's PIN pad")
    p.add_argument("input", type=pathlib.Path, help="letter package JSON or content JSON")
    p.add_argument("output", type=pathlib.Path, help="signed letter package to write")
    p.set_defaults(func=cmd_sign)

    p = subparsers.add_parser("verify", help="verify the signatures of a letter package")
    p.add_argument("package", type=pathlib.Path)
    p.add_argument("--trust-roots", required=True, type=pathlib.Path, help="folder of trusted root/intermediate certificates")
    p.add_argument("--offline", action="store_true", help="do not download CRLs (use the cache only)")
    p.add_argument("--crl-cache", type=pathlib.Path, help="CRL cache folder (default: <data dir>/crl-cache)")
    p.set_defaults(func=cmd_verify)


def _err(message: str) -> None:
    print(f"dabir: error: {message}", file=sys.stderr)


def cmd_tokens(args: argparse.Namespace) -> int:
    modules = detect_modules(extra_paths=tuple(args.module))
    paths = []
    print("PKCS#11 modules:")
    for m in modules:
        print(f"  [{'found' if m.found else 'absent'}] {m.name} ({m.vendor or 'configured'}){': ' + m.path if m.path else ''}")
        if m.path:
            paths.append(m.path)
    if not paths:
        print("No PKCS#11 module was found; install the token's software or pass --module PATH.")
        return EXIT_ERROR
    for path in dict.fromkeys(paths):
        print(f"\nmodule {path}:")
        try:
            lib = load_module(path)
            tokens = list_tokens(lib)
        except TokenError as exc:
            print(f"  error: {exc}")
            continue
        if not tokens:
            print("  no token present")
        for t in tokens:
            warn = f"  ({t.pin.warning})" if t.pin.warning else ""
            print(f"  token {t.label!r} serial {t.serial} [{t.manufacturer} {t.model}] slot {t.slot_id}{warn}")
            try:
                token = find_token(lib, label=t.label, serial=t.serial)
                with token.open() as session:
                    certs = list_signing_certificates(session)
            except Exception as exc:  # one bad token must not hide the others
                print(f"    cannot read certificates: {exc}")
                continue
            for c in certs:
                usage = "non-repudiation" if c.info.non_repudiation else "digital signature"
                nc = f" national code {c.info.national_code}" if c.info.national_code else ""
                print(f"    cert label={c.label!r} id={c.id.hex()} [{usage}]{nc}\n"
                      f"      subject: {c.info.subject}\n      issuer:  {c.info.issuer}\n"
                      f"      valid:   {c.info.not_before:%Y-%m-%d} .. {c.info.not_after:%Y-%m-%d}")
    return EXIT_OK


def read_letter(path: pathlib.Path) -> LetterPackage:
    """A letter package, or bare canonical content (then a package with no signatures)."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidPackage(f"{path} is not UTF-8 JSON: {exc}") from exc
    if isinstance(data, dict) and "format" in data:
        return LetterPackage.from_json_bytes(raw)
    try:
        return LetterPackage(content=validate_content(data))
    except InvalidContent as exc:
        raise InvalidPackage(f"{path}: letter content is invalid: {exc}", exc.message_fa) from exc


def cmd_sign(args: argparse.Namespace) -> int:
    try:
        package = read_letter(args.input)
    except (OSError, InvalidPackage) as exc:
        _err(str(exc))
        return EXIT_ERROR
    try:
        lib = load_module(args.module)
        token = find_token(lib, label=args.token)
        if args.pin_pad:
            pin = None
        elif args.pin_env:
            pin = os.environ.get(args.pin_env)
            if pin is None:
                _err(f"environment variable {args.pin_env} is not set")
                return EXIT_ERROR
        else:
            pin = getpass.getpass(f"PIN for token {token.label!r}: ")
        cert_id = bytes.fromhex(args.cert_id) if args.cert_id else None
        with open_signing_session(token, pin, cert_label=args.cert_label, cert_id=cert_id) as signing:
            pin = None
            if signing.pin_status.warning:
                print(f"warning: {signing.pin_status.warning}", file=sys.stderr)
            package.signatures.append(signing.sign(package.content_bytes()))
            who = signing.certificate.info.common_name or signing.certificate.info.subject
    except TokenError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except ValueError as exc:
        _err(f"bad argument: {exc}")
        return EXIT_ERROR
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_bytes(package.to_json_bytes())
    tmp.replace(args.output)
    print(f"signed letter {package.guid} as {who}; {len(package.signatures)} signature(s) in {args.output}")
    return EXIT_OK


def _default_crl_cache(args: argparse.Namespace) -> pathlib.Path:
    base = getattr(args, "data_dir", None) or os.environ.get("DABIR_DATA_DIR")
    if base:
        return pathlib.Path(base) / "crl-cache"
    import platformdirs

    return pathlib.Path(platformdirs.user_cache_dir("dabir")) / "crl-cache"


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        package = LetterPackage.from_json_bytes(args.package.read_bytes())
        trust = TrustStore.from_directory(args.trust_roots)
    except (OSError, InvalidPackage) as exc:
        _err(str(exc))
        return EXIT_ERROR
    print(f"letter {package.guid}: {package.content.get('subject', '')}")
    if not package.signatures:
        print("NOT SIGNED: the letter carries no signature")
        return EXIT_INVALID
    content = package.content_bytes()
    cache = args.crl_cache or _default_crl_cache(args)
    all_valid = True
    for i, cms_der in enumerate(package.signatures, 1):
        verdict = verify_detached(content, cms_der, trust, online=not args.offline, crl_cache_dir=cache)
        all_valid &= verdict.valid
        print(f"signature {i}: {verdict.summary()}")
    print("RESULT: valid" if all_valid else "RESULT: NOT valid")
    return EXIT_OK if all_valid else EXIT_INVALID
