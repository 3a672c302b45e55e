"""Tracking ids: the check digit catches every single mistyped digit and every adjacent swap
(exhaustively, for a sample of ids); ids are random, not sequential; typed forms are accepted."""

from __future__ import annotations

import itertools

import pytest

from app.protocol.citizen import parse_channels, validate_mobile, validate_postal_code
from app.protocol.persian import InvalidIdentifier, to_persian_digits
from app.protocol.tracking import LENGTH, display_tracking_id, is_valid, new_tracking_id, parse_tracking_id


def test_every_single_error_and_adjacent_swap_is_caught() -> None:
    ids = [new_tracking_id() for _ in range(300)]
    checked = 0
    for tid in ids:
        assert is_valid(tid) and len(tid) == LENGTH
        for i in range(LENGTH):
            for digit in "0123456789":
                if digit != tid[i]:
                    assert not is_valid(tid[:i] + digit + tid[i + 1:]), (tid, i, digit)
                    checked += 1
            if i + 1 < LENGTH and tid[i] != tid[i + 1]:
                assert not is_valid(tid[:i] + tid[i + 1] + tid[i] + tid[i + 2:]), (tid, i)
                checked += 1
    assert checked > 300 * LENGTH * 9


def test_ids_are_random_not_sequential() -> None:
    ids = [int(new_tracking_id()[:-1]) for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    gaps = sorted(abs(a - b) for a, b in itertools.pairwise(ids))
    assert gaps[len(gaps) // 2] > 10**9  # consecutive ids are far apart: one does not lead to the next
    first_digits = {str(i)[0] for i in ids}
    assert first_digits == set("123456789")  # never a leading zero, every other digit drawn


def test_typed_forms_are_accepted_and_mistakes_explained() -> None:
    tid = new_tracking_id()
    shown = display_tracking_id(tid)
    assert shown == to_persian_digits(f"{tid[:4]}-{tid[4:8]}-{tid[8:]}")
    for typed in (tid, shown, f" {tid[:4]} {tid[4:8]} {tid[8:]} ", display_tracking_id(tid, persian=False)):
        assert parse_tracking_id(typed) == tid
    wrong = tid[:-1] + str((int(tid[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier) as exc:
        parse_tracking_id(wrong)
    assert "نادرست" in exc.value.message_fa
    for bad in ("", "12345", tid + "0", "abcd" + tid[4:]):
        with pytest.raises(InvalidIdentifier):
            parse_tracking_id(bad)


def test_contact_details() -> None:
    assert validate_mobile("۰۹۱۲ ۳۴۵ ۶۷۸۹") == validate_mobile("+989123456789") == "09123456789"
    assert validate_mobile("") == "" and validate_postal_code(" ") == ""
    assert validate_postal_code("۱۴۵۸۹-۶۵۸۴۷") == "1458965847"
    for bad in ("0912345678", "08123456789", "۹۱۲۳۴۵۶۷۸۹"):
        with pytest.raises(InvalidIdentifier):
            validate_mobile(bad)
    for bad in ("1234", "0123456789", "2458965847", "1111965847"):
        with pytest.raises(InvalidIdentifier):
            validate_postal_code(bad)


def test_channel_lists() -> None:
    assert "pishkhan" in parse_channels("")
    assert parse_channels("post=پست|kiosk_1=باجه") == {"post": "پست", "kiosk_1": "باجه"}
    for bad in ("post", "Post=پست", "post="):
        with pytest.raises(ValueError):
            parse_channels(bad)
