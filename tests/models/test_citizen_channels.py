"""The citizen channels a desk offers: the defaults before the first sync, then the list the server
sends with every directory page (kept when a page has none, and in the server's order)."""

from __future__ import annotations

from app.models.db import Store
from app.models.directory import citizen_channels
from app.protocol.citizen import DEFAULT_CHANNELS
from app.sync.engine import apply_directory


def _page(channels: list[dict[str, str]] | None) -> dict[str, object]:
    page: dict[str, object] = {"agencies": [], "units": [], "people": [], "cursor": 0, "more": False}
    if channels is not None:
        page["citizen_channels"] = channels
    return page


def test_the_desk_offers_the_default_channels_until_the_server_sends_its_own(store: Store) -> None:
    assert citizen_channels(store) == DEFAULT_CHANNELS
    listed = [{"code": "post", "name": "پست"}, {"code": "kiosk", "name": "باجهٔ خدمت"}]
    with store.session() as s:
        apply_directory(s, _page(listed))
    assert list(citizen_channels(store).items()) == [("post", "پست"), ("kiosk", "باجهٔ خدمت")]
    with store.session() as s:
        apply_directory(s, _page(None))  # an older server's page: the list stays
        apply_directory(s, _page([{"code": "Bad Code!", "name": "x"}, {"code": "e_desk", "name": ""}]))
    assert list(citizen_channels(store)) == ["post", "kiosk"]
    with store.session() as s:
        apply_directory(s, _page([{"code": "kiosk", "name": "باجهٔ خدمت فرودگاه"}]))
    assert citizen_channels(store) == {"kiosk": "باجهٔ خدمت فرودگاه"}
