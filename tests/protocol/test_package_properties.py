"""Any JSON in any field of a letter package gives a package or a named refusal, never a crash.

Property-based (Hypothesis): the server parses request bodies with this code, so an exception
other than InvalidPackage/InvalidContent would be a 500.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
import uuid
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.protocol.canonical import MAX_RECIPIENTS, InvalidContent, build_content, validate_content
from app.protocol.package import MAX_SIGNATURES, InvalidPackage, LetterPackage
from app.protocol.package_schema import package_schema

PROPERTY = settings(max_examples=int(os.environ.get("DABIR_PROPERTY_EXAMPLES", "400")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def valid_package() -> dict[str, Any]:
    content = build_content(
        guid=str(uuid.uuid4()), kind="outgoing", subject="موضوع", body="<p>متن</p>",
        sender={"agency": "14000123453", "unit": "secretariat"},
        recipients=[{"agency": "14000123454"}, {"agency": "14000123455", "role": "cc", "person": "x"}],
        links=[{"type": "in_reply_to", "guid": str(uuid.uuid4()), "shams": "14000123454-O-1405-1"}],
        attachments=[{"address": "dms://1", "sha256": "ab" * 32, "size": 10, "media_type": "application/pdf"}])
    return {**LetterPackage(content=content, signatures=[b"\x30\x03\x02\x01\x01"]).to_dict(),
            "receipts": [{"format": "dabir.receipt"}]}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a package a value could be put: each existing key and item, and a new key."""
    out = [path]
    if isinstance(value, dict):
        out.append((*path, "unexpected"))
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


PATHS = _paths(valid_package())[1:]


def _put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def _parses_or_refuses(data: Any) -> None:
    try:
        package = LetterPackage.from_dict(data)
    except InvalidPackage as exc:
        assert str(exc) and exc.message_fa and exc.field
        assert len(str(exc)) < 1000  # a refusal never echoes much of the input
    else:
        assert validate_content(package.content) == package.content


@PROPERTY
@given(json_values)
def test_any_json_is_a_package_or_invalid_package(data: Any) -> None:
    _parses_or_refuses(data)


@PROPERTY
@given(st.sampled_from(PATHS), json_values)
def test_any_json_in_any_field_is_a_package_or_invalid_package(path: tuple[Any, ...], value: Any) -> None:
    _parses_or_refuses(_put(valid_package(), path, value))


@PROPERTY
@given(st.sampled_from([p[1:] for p in PATHS if p[0] == "content" and len(p) > 1]), json_values)
def test_any_json_in_any_content_field_is_content_or_invalid_content(path: tuple[Any, ...], value: Any) -> None:
    content = _put(copy.deepcopy(valid_package()["content"]), path, value)
    try:
        assert validate_content(content) == content
    except InvalidContent as exc:
        assert exc.field and exc.message_fa


@PROPERTY
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_are_a_package_or_invalid_package(raw: bytes) -> None:
    with contextlib.suppress(InvalidPackage):
        LetterPackage.from_json_bytes(raw)


def test_refusals_name_the_field() -> None:
    def field_of(path: tuple[Any, ...], value: Any) -> str:
        with pytest.raises(InvalidPackage) as e:
            LetterPackage.from_dict(_put(valid_package(), path, value))
        return e.value.field

    assert field_of(("content", "recipients"), ["x"]) == "content.recipients[0]"
    assert field_of(("content", "sender"), None) == "content.sender"
    assert field_of(("content", "links", 0, "guid"), "not-a-guid") == "content.links[0].guid"
    assert field_of(("content", "attachments", 0, "size"), 2**64) == "content.attachments[0].size"
    assert field_of(("content", "recipients", 1, "extra"), "") == "content.recipients[1].extra"
    assert field_of(("content", "subject"), "e\u0301") == "content.subject"  # not NFC
    assert field_of(("content", "recipients"), [{"agency": "1"}] * (MAX_RECIPIENTS + 1)) == "content.recipients"
    assert field_of(("signatures", 0), {"cms": "***"}) == "signatures[0]"
    assert field_of(("version",), "x" * 100_000) == "version"
    long_key = "k" * 100_000  # a refusal quotes no more than a few characters of the sender's input
    assert len(field_of(("content", "sender", long_key), "")) < 100
    assert len(field_of(("content", long_key), "")) < 100
    assert len(field_of((long_key,), "")) < 100


def test_signatures_are_capped_before_decoding_and_copies_refused() -> None:
    data = valid_package()
    data["signatures"] = [{"cms": "not base64 at all"}] * (MAX_SIGNATURES + 1)
    with pytest.raises(InvalidPackage) as e:
        LetterPackage.from_dict(data)
    assert e.value.code == "too_many_signatures" and e.value.field == "signatures"
    data["signatures"] = [{"cms": base64.b64encode(b"cms-%d" % i).decode()} for i in range(3)]
    with pytest.raises(InvalidPackage) as e:
        LetterPackage.from_dict(data, max_signatures=2)
    assert e.value.code == "too_many_signatures" and "2" in str(e.value)
    assert len(LetterPackage.from_dict(data, max_signatures=3).signatures) == 3
    data["signatures"].append(data["signatures"][1])
    with pytest.raises(InvalidPackage) as e:
        LetterPackage.from_dict(data)
    assert e.value.code == "duplicate_signature" and e.value.field == "signatures[3]"


def test_the_documented_schema_describes_valid_packages() -> None:
    """The OpenAPI body schema (built from the validator's limits) accepts what the validator accepts."""
    validator = jsonschema_rs.validator_for(package_schema(MAX_SIGNATURES))
    package = LetterPackage.from_dict(valid_package())
    assert validator.is_valid(package.to_dict() | {"receipts": [{"format": "dabir.receipt"}]})
    assert not validator.is_valid(valid_package() | {"extra": 1})
