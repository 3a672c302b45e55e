"""The fast canonical encoder gives exactly the bytes of the reference one (rfc8785)."""

from __future__ import annotations

import json
import random

import pytest
import rfc8785

from app.protocol.canonical import canonical_bytes
from app.protocol.package import LetterPackage

CHARS = ['"', "\\", "/", "\x00", "\x01", "\b", "\t", "\n", "\f", "\r", "\x1f", "\x7f", "\u2028", "\u200c",
         "é", "ك", "ی", "۱", "\ue000", "\uffff", "😀", "𝄞", "a", " ", "<p>"]  # fmt: skip


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 12)))


def _value(rng: random.Random, depth: int = 0, keys=None):  # type: ignore[no-untyped-def]
    pick = rng.randint(0, 9 if depth < 4 else 5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False])
    if pick == 2:
        return rng.choice([0, -1, 7, 2**53 - 1, -(2**53) + 1, rng.randint(-(10**9), 10**9)])
    if pick in (3, 4, 5):
        return _text(rng)
    if pick in (6, 7):
        return [_value(rng, depth + 1, keys) for _ in range(rng.randint(0, 4))]
    return {(keys or _text)(rng): _value(rng, depth + 1, keys) for _ in range(rng.randint(0, 5))}


def _ascii_key(rng: random.Random) -> str:
    return "".join(rng.choice("abcAB_-0 \"\\\t") for _ in range(rng.randint(0, 6)))


@pytest.mark.parametrize("seed", range(300))
def test_canonical_bytes_equal_rfc8785(seed: int):
    rng = random.Random(seed)
    value = _value(rng, keys=_ascii_key if seed % 2 else None)  # odd seeds: the fast path
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.5}, {"a": 1e21}, {"a": -0.0}, {"é": 1, "e": 2}, {"\ue000": 1, "😀": 2}, ("a", 1),  # fallback, same bytes
        {"a": True, "b": [None, False]}, {}, [], "", 0,
    ],
)
def test_canonical_bytes_edge_cases(value):  # type: ignore[no-untyped-def]
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [{"a": 2**53}, {"a": -(2**53)}, {"a": "\ud800"}, {"a": float("nan")}, {1: "x"}, {"a": object()}])
def test_canonical_bytes_refuses_what_rfc8785_refuses(value):  # type: ignore[no-untyped-def]
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(value)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_bytes(value)


def test_package_json_of_a_real_package():
    from tests.models.test_canonical_and_shams import content

    pkg = LetterPackage(content=content(), signatures=[b"\x30\x82" * 700], receipts=[{"payload": {"shams": "x"}, "alg": "ES256"}])
    assert pkg.to_json_bytes() == json.dumps(pkg.to_dict(), ensure_ascii=False, sort_keys=True,
                                             separators=(",", ":")).encode()
    assert canonical_bytes(pkg.content) == rfc8785.dumps(pkg.content)
    assert LetterPackage.from_json_bytes(pkg.to_json_bytes()) == pkg


@pytest.mark.parametrize("seed", range(40))
def test_package_json_with_spliced_content_is_the_same_bytes(seed: int):
    """The server splices the canonical content bytes it already has into the stored package."""
    from tests.models.test_canonical_and_shams import content

    rng = random.Random(seed)
    c = content()
    c["subject"], c["body"] = _text(rng) or "x", _text(rng) + "<p>متن</p>"
    receipts = [{"payload": {"shams": _text(rng)}, "alg": "ES256"}] if seed % 2 else []
    pkg = LetterPackage(content=c, signatures=[rng.randbytes(rng.randint(1, 900)) for _ in range(seed % 3)],
                        receipts=receipts)
    assert pkg.to_json_bytes(canonical_bytes(c)) == pkg.to_json_bytes()
