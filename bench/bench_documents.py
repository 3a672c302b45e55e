"""Attachments: a big file uploaded through the client's resumable path and downloaded back, next to
one plain streaming HTTPS PUT of the same file into a minimal ASGI sink, in the same run.

    .venv/bin/python bench/bench_documents.py [--mib 1024] [--backends local,s3] [--rounds 3] [--malloc-arenas 2]

Starts the real dabir-server (SQLite, HTTPS on 127.0.0.1) once per storage backend — a local
folder, and S3 as a moto server process — and a minimal ASGI sink under uvicorn with the same TLS
certificate and HTTP parser (h11). Each transfer runs in a client process of its own, so the
client's peak RSS is its own; the server's (and the sink's) peak RSS is read from /proc (VmHWM,
reset before each transfer); each round uploads a new document (the file with a round mark inside),
rounds interleave the three transfers (the shared VM's speed swings). Upload = upload_document from create to the server's completion
(which reads the whole file back to check its SHA-256 and type); download = download_document
(which checks the SHA-256 before renaming). On S3 a third row shows boto3's own multipart upload of
the file straight into the S3 server: what that server takes on this machine. Targets: upload ≥ 0.7 × the plain PUT; peak RSS of
each process ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sync.api import DabirApi  # noqa: E402
from bench.machine import describe  # noqa: E402
from devkit.pki import TestPKI  # noqa: E402
from devkit.s3_process import S3Process  # noqa: E402
from devkit.sample_documents import big_zip  # noqa: E402
from devkit.server_process import DEMO_PASSWORD, ServerProcess  # noqa: E402

PIECE = 1 << 20


# -- the plain PUT's sink: counts the body, answers its size ---------------------------------------
async def sink(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"received": size}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- client processes: each prints {"seconds", "peak_rss_mb"} -------------------------------------------
def _client(args: argparse.Namespace) -> None:
    import httpx

    from app.protocol.documents import document_address
    from app.sync.api import DabirApi
    from app.sync.documents import UploadState, download_document, upload_document

    path, size = Path(args.file), Path(args.file).stat().st_size
    if args.client == "s3put":  # boto3's own multipart upload straight into the S3 server: its ceiling here
        import boto3
        from boto3.s3.transfer import TransferConfig

        s3 = boto3.client("s3", endpoint_url=args.base, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
        start = time.perf_counter()
        s3.upload_file(str(path), "dabir-documents", f"bench/{args.sha}",
                       Config=TransferConfig(multipart_chunksize=8 * 1024 * 1024, max_concurrency=2))
        seconds = time.perf_counter() - start
    elif args.client == "put":
        verify = ssl.create_default_context(cafile=args.ca)

        def pieces() -> Any:
            with path.open("rb") as f:
                while piece := f.read(PIECE):
                    yield piece
        with httpx.Client(verify=verify, timeout=600) as http:
            start = time.perf_counter()
            answer = http.put(f"{args.base}/sink", content=pieces(), headers={"Content-Length": str(size)})
            seconds = time.perf_counter() - start
        assert answer.json()["received"] == size
    else:
        api = DabirApi(args.base, args.ca, timeout=600, token=os.environ["BENCH_TOKEN"])
        start = time.perf_counter()
        if args.client == "upload":
            upload_document(api, path, name=path.name, media_type="application/zip", sha256=args.sha, size=size,
                            state=UploadState())
        else:
            download_document(api, document_address(args.base, args.sha), Path(args.dest), sha256=args.sha, size=size)
        seconds = time.perf_counter() - start
    # VmHWM, not ru_maxrss: Linux carries the parent's high-water mark over fork + exec into ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(os.getpid())}))


def run_client(kind: str, base: str, ca: Path, file: Path, sha: str = "", dest: Path | None = None,
               token: str = "") -> dict[str, Any]:
    """One transfer in a process of its own (logged in beforehand: a login's password hash is no transfer's)."""
    cmd = [sys.executable, __file__, "--client", kind, "--base", base, "--ca", str(ca), "--file", str(file),
           "--sha", sha, "--dest", str(dest or "")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_TOKEN": token})
    if out.returncode:
        raise RuntimeError(f"{kind} client failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- processes the bench measures -------------------------------------------------------------
def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class Sink:
    """uvicorn serving :func:`sink` over HTTPS with the server's certificate, h11 like dabir-server."""

    def __init__(self, cert: Path, key: Path, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bench_documents:sink", "--host", "127.0.0.1", "--port",
             str(self.port), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key), "--http", "h11",
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("the sink did not start")

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def stop(self) -> None:
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=10)


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--backends", default="local,s3")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--malloc-arenas", type=int, default=2,
                        help="the server's MALLOC_ARENA_MAX, as installer/server/dabir-server.service sets it (0: glibc's)")
    parser.add_argument("--client", choices=["put", "s3put", "upload", "download"], help=argparse.SUPPRESS)
    for name in ("base", "ca", "file", "sha", "dest"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        _client(args)
        return

    work = Path(tempfile.mkdtemp(prefix="bench-documents-", dir=os.environ.get("BENCH_DIR")))
    print(describe())
    source = big_zip(work / "big.zip", args.mib * 1024 * 1024)
    size = source.stat().st_size
    mb = size / 1e6
    print(f"file: {size} bytes ({args.mib} MiB, a stored ZIP of random bytes), {args.rounds} interleaved rounds, "
          f"server MALLOC_ARENA_MAX={args.malloc_arenas or 'glibc default'}")
    pki = TestPKI(name="Dabir Documents Bench")
    # (what, backend) → [(MB/s, client peak RSS, server or sink peak RSS)]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}

    def note(what: str, backend: str, seconds: float, client_mb: float, server_mb: float) -> None:
        results.setdefault((what, backend), []).append((mb / seconds, client_mb, server_mb))

    for backend in args.backends.split(","):
        s3 = S3Process(work / f"s3-{backend}") if backend == "s3" else None
        env: dict[str, str] = {"DABIR_SERVER_ACCESS_LOG": os.environ.get("BENCH_ACCESS_LOG", "off")}
        if args.malloc_arenas:  # as installer/server/dabir-server.service runs the server
            env["MALLOC_ARENA_MAX"] = str(args.malloc_arenas)
        if s3 is not None:
            s3.start()
            env.update(s3.server_env())
        server = ServerProcess(work / f"server-{backend}", pki, env_extra=env)
        try:
            server.setup()
            server.start()
            with DabirApi(server.base_url, server.ca_bundle) as api:
                token = str(api.login("a.secretary", DEMO_PASSWORD)["token"])
            for n in range(args.rounds):
                with source.open("r+b") as f:  # a new document each round (inside the stored member's bytes)
                    f.seek(size // 2)
                    f.write(f"{backend} round {n}".encode().ljust(32))
                sha = sha256_of(source)
                sink_proc = Sink(server.workdir / "tls-cert.pem", server.workdir / "tls-key.pem", work / "sink.log")
                try:
                    reset_peak(sink_proc.proc.pid)
                    out = run_client("put", sink_proc.base_url, server.ca_bundle, source)
                    note("plain HTTPS PUT into an ASGI sink (uvicorn, h11, same TLS)", backend, out["seconds"],
                         out["peak_rss_mb"], peak_mb(sink_proc.proc.pid))
                finally:
                    sink_proc.stop()
                if s3 is not None:
                    out = run_client("s3put", s3.endpoint_url, server.ca_bundle, source, sha)
                    note("boto3 upload_file straight into the S3 server (8 MiB parts, 2 at a time)", backend,
                         out["seconds"], out["peak_rss_mb"], 0)
                server.reset_peak_rss()
                out = run_client("upload", server.base_url, server.ca_bundle, source, sha, token=token)
                note("upload_document", backend, out["seconds"], out["peak_rss_mb"], server.rss_mb("VmHWM"))
                server.reset_peak_rss()
                dest = work / "got.zip"
                out = run_client("download", server.base_url, server.ca_bundle, source, sha, dest, token)
                note("download_document", backend, out["seconds"], out["peak_rss_mb"], server.rss_mb("VmHWM"))
                dest.unlink()
        finally:
            server.stop()
            if s3 is not None:
                s3.stop()
    print(f"\n| {args.mib} MiB, {args.rounds} rounds | storage | MB/s median (best) | client peak RSS (MB) "
          "| server / sink peak RSS (MB) |\n|---|---|---|---|---|")
    for (what, backend), runs in results.items():
        rates = sorted(r[0] for r in runs)
        server_mb = max(r[2] for r in runs)
        print(f"| {what} | {backend} | {statistics.median(rates):.0f} ({rates[-1]:.0f}) | {max(r[1] for r in runs):.0f} "
              f"| {f'{server_mb:.0f}' if server_mb else '–'} |")
    for backend in args.backends.split(","):
        put = statistics.median(r[0] for r in results[("plain HTTPS PUT into an ASGI sink (uvicorn, h11, same TLS)",
                                                      backend)])
        up = statistics.median(r[0] for r in results[("upload_document", backend)])
        print(f"upload_document on {backend}: {up / put:.2f} × the plain PUT of the same rounds (target ≥ 0.7)")
    print(describe())
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(work)

if __name__ == "__main__":
    main()
