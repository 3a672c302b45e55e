"""Bench: verification of incoming letters on arrival, beside the raw verification of the same letters.

    .venv/bin/python bench/bench_verify_incoming.py [--letters 1000]

1,000 letters signed with an RSA-2048 software key (as on the agencies' tokens), each with a
receipt of a local receipt key, arrive in one sync pass of the production engine
(``SyncEngine.run_once``: trust list, inbox pages of 100, every package verified — signature,
path, key usage, revocation from the CRL, receipt — stored with its verdict and its
acknowledgement queued, then the acknowledgements drained). The server is an in-process stub so
that the figure is the client's own work. Printed beside it, in the same run: the raw
``verify_detached`` rate over the same letters with a warm cache (the signing bench's figure).
Target: on arrival ≥ 300 letters/s.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from app.models.db import open_store
from app.models.tables import Letter
from app.protocol.package import LetterPackage
from app.protocol.persian import national_id_check_digit
from app.protocol.receipt import format_time, make_receipt
from app.protocol.trust import TrustStore
from app.protocol.verify import verify_detached
from app.sync.engine import SyncEngine
from bench.bench_sign import letters
from bench.machine import describe
from devkit.letters import BulkSigner, make_signer
from devkit.pki import TestPKI

SENDER = "1400012345" + national_id_check_digit("1400012345")


def receipt_identity() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench receipts")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .sign(key, hashes.SHA256()))
    return key, cert


class InboxStub:
    """Answers the engine's calls like the central server, from memory."""

    def __init__(self, items: list[dict[str, Any]], roots: list[bytes], cert: x509.Certificate) -> None:
        self.items, self.roots, self.cert = items, roots, cert
        self.acked = 0

    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        page = [i for i in self.items if i["cursor"] > after][:limit]
        return {"items": page, "cursor": page[-1]["cursor"] if page else after, "more": len(page) == limit}

    def ack(self, guid: str, status: str, incoming_number: str | None = None, *, idempotency_key: str) -> dict:
        self.acked += 1
        return {}

    def acks(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def directory(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"agencies": [], "units": [], "people": [], "cursor": after, "more": False}

    def receipt_certificate(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def cartable(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def archive_folders(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def archive_filings(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def agency_trust_roots(self) -> dict[str, Any]:
        return {"roots": [{"sha256": hashlib.sha256(d).hexdigest(), "subject": "", "der": base64.b64encode(d).decode()}
                          for d in self.roots]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=1000)
    n = ap.parse_args().letters
    print(describe())
    pki = TestPKI(name="Bench Arrival")
    signer = make_signer(pki, "امضاکننده آزمون", "0012345679", rsa_key=True)
    pkgs = BulkSigner(signer).sign_packages(letters(n))
    key, cert = receipt_identity()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    items = []
    for i, p in enumerate(pkgs):
        receipt = make_receipt(shams=f"{SENDER}-O-1405-{i + 1}", registered_at=now, content_sha256=p.content_sha256(),
                               guid=p.guid, private_key=key, certificate=cert)
        items.append({"cursor": i + 1, "guid": p.guid, "shams": f"{SENDER}-O-1405-{i + 1}", "channel": "payam",
                      "registered_at": format_time(now),
                      "package": LetterPackage(p.content, p.signatures, [receipt]).to_dict()})
    root = pki.root_cert.public_bytes(serialization.Encoding.DER)
    intermediate = pki.intermediate_cert.public_bytes(serialization.Encoding.DER)

    # raw: verify_detached over the same letters, warm (the signing bench's figure)
    trust = TrustStore.from_certificates([root], [intermediate])
    contents = [p.content_bytes() for p in pkgs]
    verify_detached(contents[0], pkgs[0].signatures[0], trust)
    t0, c0 = time.perf_counter(), time.process_time()
    assert all(verify_detached(c, p.signatures[0], trust).valid for c, p in zip(contents, pkgs, strict=True))
    raw, raw_cpu = time.perf_counter() - t0, time.process_time() - c0

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        stub = InboxStub(items, [root], cert)
        t0, c0 = time.perf_counter(), time.process_time()
        report = SyncEngine(store, stub).run_once()
        arrival, arrival_cpu = time.perf_counter() - t0, time.process_time() - c0
        assert report.online and len(report.received) == n and stub.acked == n, report
        with store.reader() as s:
            valid = s.scalar(select(func.count()).select_from(Letter).where(Letter.verify_status == "valid"))
        assert valid == n, valid
        store.close()
    print(f"letters: {n}, RSA-2048 software key, canonical content ~{sum(map(len, contents)) // n} bytes")
    print(f"raw verify_detached, warm:    {n / raw:8.1f} letters/s  ({raw / n * 1000:.2f} ms each)")
    print(f"on arrival (one sync pass):   {n / arrival:8.1f} letters/s  ({arrival / n * 1000:.2f} ms each; "
          "verify + receipt + store + ack; target >= 300/s)")
    print(f"per CPU-second (process time): raw {n / raw_cpu:.0f} letters/s, on arrival {n / arrival_cpu:.0f} letters/s "
          "(less sensitive to other processes on the cores)")
    print(describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
