"""Incoming registration on the real server: each agency's own gap-free series per Jalali year,
one number per letter (a retry gets it again), the sender told by a "registered" acknowledgement;
paper letters numbered from the same series with their sender's id checked."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from devkit.letters import BulkSigner, make_package
from tests.server.conftest import Env

THREADS, PER_THREAD = 8, 12
CITIZEN = "0010203044"  # a valid national code


def _valid_company_id() -> str:
    from app.protocol.persian import national_id_check_digit

    first10 = "1410030201"
    return first10 + national_id_check_digit(first10)


def _sent_letters(env: Env, n: int) -> list[LetterPackage]:
    """n letters A registered and sent to B."""
    packages = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b]) for _ in range(n)])
    with env.client("a.secretary") as a:
        for p in packages:
            reg = a.register(p)
            p.receipts = [reg["receipt"]]
            a.send(p)
    return packages


def _paper(guid: str | None = None, sender_id: str = CITIZEN, kind: str = "person") -> dict[str, object]:
    return {"guid": guid or str(uuid.uuid4()), "sender": {"kind": kind, "id": sender_id, "name": "علی رضایی"},
            "sender_number": "۱۲۳/الف", "sender_date": "2026-11-20", "subject": "درخواست شهروند"}


def _seq(number: str) -> tuple[int, int]:
    year, seq = number.split("/")
    return int(year), int(seq)


@pytest.mark.server
def test_registering_a_received_letter_numbers_it_and_tells_the_sender(env: Env) -> None:
    [pkg] = _sent_letters(env, 1)
    with env.client("b.secretary") as b, env.client("a.secretary") as a:
        first = b.register_incoming(pkg.guid)
        again = b.register_incoming(pkg.guid, idempotency_key=f"another-{pkg.guid}")  # same letter, new key
        assert again["incoming_number"] == first["incoming_number"]
        assert first["channel"] == "electronic" and first["registered_at_jalali"]
        acks = [x for x in a.acks(guid=pkg.guid)["items"] if x["status"] == "registered"]
        assert [(x["recipient_agency"], x["incoming_number"]) for x in acks] == [(env.nid_b, first["incoming_number"])]
        # a letter not delivered to B cannot be registered by B; nor by the sender
        with pytest.raises(ApiError) as exc:
            a.register_incoming(pkg.guid)
        assert exc.value.status == 404


@pytest.mark.server
def test_paper_letters_share_the_series_and_the_sender_id_is_checked(env: Env) -> None:
    [pkg] = _sent_letters(env, 1)
    with env.client("b.secretary") as b:
        electronic = b.register_incoming(pkg.guid)
        body = _paper()
        paper = b.register_paper(body)
        assert paper["channel"] == "paper"
        year, seq = _seq(electronic["incoming_number"])
        assert _seq(paper["incoming_number"]) == (year, seq + 1)  # the same series, next number
        assert b.register_paper(body, idempotency_key="retry")["incoming_number"] == paper["incoming_number"]
        company = b.register_paper(_paper(sender_id=_valid_company_id(), kind="company"))
        assert _seq(company["incoming_number"]) == (year, seq + 2)
        for bad, kind, reason in (("0010203045", "person", "رقم کنترل کد ملی نادرست است."),
                                  ("12345", "person", "کد ملی باید دقیقاً ده رقم باشد."),
                                  (CITIZEN, "company", "شناسه ملی باید دقیقاً یازده رقم باشد.")):
            with pytest.raises(ApiError) as exc:
                b.register_paper(_paper(sender_id=bad, kind=kind))
            assert (exc.value.status, exc.value.code, exc.value.message_fa) == (422, "invalid_sender_id", reason)
        # a refused request takes no number
        assert _seq(b.register_paper(_paper())["incoming_number"]) == (year, seq + 3)
        # another letter under a used GUID is refused
        with pytest.raises(ApiError) as exc:
            b.register_paper({**body, "subject": "موضوعی دیگر"}, idempotency_key="other")
        assert exc.value.status == 409
    with env.client("a.secretary") as a, env.client("b.secretary") as b:  # A's series is A's own
        a_first = a.register_paper(_paper())
        a_second = a.register_paper(_paper())
        assert _seq(a_second["incoming_number"]) == (year, _seq(a_first["incoming_number"])[1] + 1)
        assert _seq(b.register_paper(_paper())["incoming_number"]) == (year, seq + 4)  # B's goes on from its own


@pytest.mark.server
def test_staff_may_not_register(env: Env) -> None:
    with env.client("b.staff") as staff, pytest.raises(ApiError) as exc:
        staff.register_paper(_paper())
    assert exc.value.status == 403


def _hammer(env: Env) -> None:
    """Threads register electronic and paper letters at once, each twice (the second time under a
    new key): every letter one number, the numbers one unbroken run."""
    letters = _sent_letters(env, THREADS * PER_THREAD // 2)
    with env.client("b.secretary") as probe:
        token = probe.token
        start = _seq(probe.register_paper(_paper())["incoming_number"])
    jobs = [("e", p.guid) for p in letters] + [("p", str(uuid.uuid4())) for _ in range(len(letters))]
    batches = [jobs[i::THREADS] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def worker(batch: list[tuple[str, str]]) -> list[tuple[str, str]]:
        api = DabirApi(env.server.base_url, env.server.ca_bundle, token=token, max_connections=2)
        try:
            barrier.wait()
            out = []
            for kind, guid in batch:
                call = (lambda key, g=guid: api.register_incoming(g, idempotency_key=key)) if kind == "e" else (
                    lambda key, g=guid: api.register_paper(_paper(g), idempotency_key=key))
                number = call(f"first-{guid}")["incoming_number"]
                assert call(f"second-{guid}")["incoming_number"] == number
                out.append((guid, number))
            return out
        finally:
            api.close()

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(worker, batches) for r in rs]
    numbers = [_seq(n) for _, n in results]
    assert len(set(numbers)) == len(numbers) == len(jobs), "a letter got two numbers or two letters one"
    assert {y for y, _ in numbers} == {start[0]}
    assert sorted(s for _, s in numbers) == list(range(start[1] + 1, start[1] + 1 + len(jobs))), "gap or duplicate"


@pytest.mark.server
def test_concurrent_incoming_numbers_sqlite(env: Env) -> None:
    _hammer(env)


@pytest.mark.server
@pytest.mark.postgres
def test_concurrent_incoming_numbers_postgres(pg_env: Env) -> None:
    _hammer(pg_env)
