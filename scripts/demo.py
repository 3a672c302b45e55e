"""A local demo: the central server with two agencies, a SoftHSM token, one Dabir window per agency.

    .venv/bin/python scripts/demo.py [--smoke]

First run: a demo CA (root → licensed intermediate), the server (HTTPS on 127.0.0.1, a TLS
certificate from that CA, the CA as trust root), the two demo agencies and their users, a
SoftHSM token per agency with the signatory's key generated on it and its certificate, each
agency's client profile logged in as its secretary. Everything lives in `.demo/` (delete it to
start over). Later runs reuse it, start the server again and open the two windows.

The demo CA publishes its CRL on 127.0.0.1 while the demo runs (the server refuses signatures
whose revocation it cannot check); its keys and that port are kept in `.demo/pki/`, so the
certificates on the tokens keep naming a reachable CRL on later runs.

Demo only: the session tokens go to a JSON file (`.demo/keyring.json`) instead of the OS
keyring, so that the demo works on a machine without a Secret Service.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devkit.pki import TestPKI, pem  # noqa: E402
from devkit.revocation import RevocationServer  # noqa: E402
from devkit.server_process import DEMO_PASSWORD, ServerProcess  # noqa: E402
from devkit.softhsm import SOFTHSM_MODULE, SoftHSM, provision_signing_key  # noqa: E402
from server.demo_seed import DEMO_SIGNATORIES  # noqa: E402

DEFAULT_DIR = ROOT / ".demo"
PIN = "123456"
# (prefix, token label, the signatory the directory lists: their certificate carries the same name)
AGENCIES = tuple((prefix, f"Dabir Demo {prefix.upper()}", DEMO_SIGNATORIES[prefix][0]) for prefix in ("a", "b"))


def client_env(demo: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SOFTHSM2_CONF": str(demo / "softhsm" / "softhsm2.conf"),
        "PYTHON_KEYRING_BACKEND": "devkit.file_keyring.FileKeyring",
        "DABIR_TEST_KEYRING_FILE": str(demo / "keyring.json"),
    }


def demo_pki(demo: Path) -> TestPKI:
    """The demo CA (kept in .demo/pki), its CRL served on the port the first run recorded there."""
    port_file = demo / "pki" / "revocation-port"
    port = int(port_file.read_text()) if port_file.exists() else 0
    try:
        server = RevocationServer(port)
    except OSError as exc:
        raise SystemExit(f"demo: port {port} for the demo CA's CRL is in use ({exc}); free it, "
                         f"or delete {demo} to start over") from exc
    pki = TestPKI(name="Dabir Demo", state_dir=demo / "pki", revocation=server)
    port_file.write_text(str(server.port))
    return pki


def first_run(server: ServerProcess, demo: Path) -> list[dict]:
    print("demo: creating the demo CA, server, agencies and SoftHSM tokens (first run only)…")
    server.setup()
    hsm = SoftHSM(demo / "softhsm")
    for _, label, _ in AGENCIES:
        hsm.init_token(label, PIN)
    lib = hsm.lib()
    signatories = []
    agencies = cast(list[dict[str, Any]], server.demo["agencies"])
    for i, ((prefix, label, name), agency) in enumerate(zip(AGENCIES, agencies, strict=True)):
        # the certificate names the signatory the server's directory lists (matched by national code)
        national_code = next(u["national_code"] for u in agency["users"] if u["username"] == f"{prefix}.signatory")
        key = provision_signing_key(lib, label, PIN, server.pki, label="signatory", key_id=bytes([i + 1]),
                                    common_name=name, national_code=national_code)
        signatories.append({"prefix": prefix, "token": label, "cert_pem": pem(key.certificate).decode()})
    return signatories


def start_server(server: ServerProcess, port_file: Path) -> None:
    """The server on the port of the last run: the profiles made by hand beside the demo (README) keep
    its address; another port only if that one is taken now."""
    wanted = int(port_file.read_text()) if port_file.exists() else 0
    try:
        server.start(port=wanted)
    except RuntimeError:
        if not wanted:
            raise
        print(f"demo: port {wanted} of the last run is in use; the server starts on another one "
              f"(profiles made by hand need its new address)", file=sys.stderr)
        server.start()
    port_file.write_text(str(server.port))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="open the windows, let them paint, quit (for tests)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the demo keeps its state (default .demo/)")
    args = parser.parse_args()
    demo = args.dir.resolve()
    demo.mkdir(exist_ok=True)
    state_file = demo / "state.json"
    if state_file.exists() and not (demo / "pki").is_dir():
        print(f"demo: {demo} was made by an older demo (its CA publishes no CRL); delete it to start over")
        return 1
    server = ServerProcess(demo / "server", demo_pki(demo))
    os.environ.update({k: v for k, v in client_env(demo).items() if k.startswith(("SOFTHSM", "PYTHON_KEYRING", "DABIR_TEST"))})

    state = json.loads(state_file.read_text()) if state_file.exists() else None
    if state is None:
        state = {"signatories": first_run(server, demo), "agencies": server.demo["agencies"], "certs_uploaded": False}
        state_file.write_text(json.dumps(state, ensure_ascii=False, indent=1))
    elif not any("national_code" in u for a in state["agencies"] for u in a["users"]):
        print(f"demo: {demo} was made before the signatories' certificates named them; the sign dialog will "
              f"refuse its tokens. Delete {demo} to start over.", file=sys.stderr)
    start_server(server, demo / "server-port")
    # a kill (SIGTERM) stops the server and the windows too, as Ctrl+C does: the finally below runs
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        from app.models.db import open_store
        from app.models.tables import Setting
        from app.sync import account as acc
        from app.sync.api import DabirApi

        if not state["certs_uploaded"]:
            for s in state["signatories"]:
                with DabirApi(server.base_url, server.ca_bundle) as admin:
                    admin.login(f"{s['prefix']}.admin", DEMO_PASSWORD)
                    admin.add_signatory_certificate(f"{s['prefix']}.signatory", s["cert_pem"])
            state["certs_uploaded"] = True
            state_file.write_text(json.dumps(state, ensure_ascii=False, indent=1))

        for (prefix, token, signer), agency in zip(AGENCIES, state["agencies"], strict=True):
            profile = demo / f"agency-{prefix}"
            store = open_store(profile)
            acc.login(store, acc.Account(server.base_url, f"{prefix}.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
            with store.session() as s:
                for key, value in (("token:module", {"path": SOFTHSM_MODULE}),
                                   ("agency", {"national_id": agency["national_id"], "name": agency["name"]})):
                    row = s.get(Setting, key)
                    if row is None:
                        s.add(Setting(key=key, value=value))
                    else:
                        row.value = value
            store.close()
            print(f"demo: {agency['name']} ({agency['national_id']}): window for {prefix}.secretary, "
                  f"token «{token}» PIN {PIN} (signatory {signer})")
            env = client_env(demo)
            if args.smoke:
                env["DABIR_SMOKE"] = "1"
            procs.append(subprocess.Popen([sys.executable, "-m", "app", "--data-dir", str(profile)], env=env, cwd=ROOT))
        print(f"demo: server {server.base_url} — every demo user's password is {DEMO_PASSWORD}")
        print(f"demo: citizens' status page {server.base_url}/track")
        codes = [p.wait() for p in procs]
        return max(codes)
    finally:
        for proc in procs:  # stopped (a kill, Ctrl+C): its windows close too, as they would with it
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
