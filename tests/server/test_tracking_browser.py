"""The public status page in a real browser (Debian's Chromium, headless, through Selenium): the form
filled and submitted, the status read back, a wrong code told, screenshots at desktop and phone
widths in test-artifacts/. Without Chromium and chromedriver: skipped, or a failure when
DABIR_REQUIRE_BROWSER=1 (scripts/test sets it)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.protocol.citizen import STATUS_NAMES, Status
from app.protocol.tracking import display_tracking_id
from devkit.pki import TestPKI
from tests.server.conftest import Env, start_env
from tests.server.test_citizen_letters import CITIZEN, citizen_letter
from tests.server.test_tracking_status import WRONG_CODE

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP, PHONE = (1280, 900), (390, 844)


def _browser_or_skip() -> tuple[str, str]:
    chromium = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    driver = shutil.which("chromedriver") or (CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else None)
    if chromium and driver:
        return chromium, driver
    missing = "chromium" if not chromium else "chromedriver (Debian package chromium-driver)"
    if os.environ.get("DABIR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{missing} is not installed: the status page must be tested in a real browser "
                    "(scripts/setup installs chromium and chromium-driver)")
    pytest.skip(f"{missing} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dabir-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--ignore-certificate-errors", f"--user-data-dir={profile}", "--lang=fa"):
        options.add_argument(arg)
    options.accept_insecure_certs = True  # the test server's certificate comes from a test CA
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: Any) -> Iterator[Env]:
    e = start_env(tmp_path_factory.mktemp("server-tracking-browser"), pki, signers,
                  DABIR_SERVER_TRACKING_LOOKUPS_PER_MINUTE="1000")
    try:
        yield e
    finally:
        e.server.stop()


def _size(driver: Any, width_height: tuple[int, int]) -> None:
    """The viewport (not the window) at this size, as a phone or a desktop shows the page."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width_height[0], "height": width_height[1], "deviceScaleFactor": 1,
        "mobile": width_height[0] < 600})


def _no_overflow(driver: Any) -> None:
    width = driver.execute_script("return document.documentElement.scrollWidth")
    view = driver.execute_script("return window.innerWidth")
    assert width <= view, f"the page is {width}px wide in a {view}px viewport"


def _submit(driver: Any, base: str, tracking_id: str, code: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{base}/track?t={tracking_id}")  # as the receipt's QR opens it
    assert driver.find_element(By.NAME, "t").get_attribute("value") == display_tracking_id(tracking_id)  # as printed
    field = driver.find_element(By.NAME, "n")
    field.clear()
    field.send_keys(code)
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    wait = WebDriverWait(driver, 30)
    wait.until(expected_conditions.staleness_of(button))  # the answer has replaced the form
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.mark.server
def test_status_page_in_a_real_browser(page_env: Env, browser: Any) -> None:  # the browser closes first
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    base = page_env.server.base_url
    with page_env.client("b.secretary") as sec:
        tid = sec.register_paper(citizen_letter())["tracking_id"]

    _size(browser, PHONE)
    browser.get(f"{base}/track?t={display_tracking_id(tid, persian=False)}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    _no_overflow(browser)
    browser.save_screenshot(str(ARTIFACTS / "tracking-form-phone.png"))

    for size, name in ((DESKTOP, "tracking-desktop.png"), (PHONE, "tracking-phone.png")):
        _size(browser, size)
        _submit(browser, base, tid, CITIZEN)
        assert browser.current_url.endswith("/track")  # posted: the national code is in no URL
        assert browser.find_element(By.CSS_SELECTOR, "dd.status").text == STATUS_NAMES[Status.REGISTERED]
        assert display_tracking_id(tid) in browser.find_element(By.TAG_NAME, "dl").text
        _no_overflow(browser)
        browser.save_screenshot(str(ARTIFACTS / name))

    _submit(browser, base, tid, WRONG_CODE)
    message = browser.find_element(By.CSS_SELECTOR, "p.no").text
    assert "یافت نشد" in message and not browser.find_elements(By.CSS_SELECTOR, "dd.status")
    _no_overflow(browser)
    browser.save_screenshot(str(ARTIFACTS / "tracking-wrong-code-phone.png"))
