"""A real headless Chromium (the distribution's package, through chromedriver) against the console
served by uvicorn on 127.0.0.1. Screenshots go to LICENSEBOT_SCREENSHOTS (the README's come from here)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def require_browser() -> None:
    """Skip (or, with REQUIRE_BROWSER=1 as in CI, fail) when the browser is not installed."""
    if CHROMIUM and CHROMEDRIVER:
        return
    message = "chromium and chromedriver are not installed (scripts/test installs them with apt-get as root)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """The app on a loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(profile: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER or ""), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(10)  # find_element waits for the page a click opened
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: object, name: str, fallback: Path) -> Path:
    folder = Path(os.environ.get("LICENSEBOT_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def click_and_wait(driver: object, element_id: str) -> None:
    """Press a button that submits a form, and wait until the next page has replaced this one."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element("tag name", "html")  # type: ignore[attr-defined]
    driver.find_element("id", element_id).click()  # type: ignore[attr-defined]

    def replaced(_driver: object) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # Asked while the old page is being torn down, chromedriver sometimes answers with this
            # instead of "stale element": the same news (seen about once in ten runs of this module).
            if "does not belong to the document" not in str(error):
                raise
            return True
        return False

    WebDriverWait(driver, 15).until(replaced)
