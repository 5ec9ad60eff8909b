"""What the browser tests share: the real app served by uvicorn on a free 127.0.0.1 port, and
Debian's headless Chromium (/usr/bin/chromium) driven by Playwright. No browser is downloaded.

(Not a conftest.py: the root conftest is imported as `conftest` by other test helpers, and a
second module of that name would shadow it.)

The app serves a SQLite file seeded by test_console_support (every figure priced by hand
there) on a FixedClock. Chromium missing: the tests skip locally and fail on CI (CI=true),
because CI must never pass by skipping; `.ci/run` installs it (Debian's `chromium`).
Screenshots of every page go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from test_console_support import NOW, Seeded, seed

from monetiot.bootstrap import bootstrap
from monetiot.domain.clock import FixedClock
from monetiot.settings import Settings
from monetiot.web.app import create_app

CHROMIUM = os.environ.get("MONETIOT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ON_CI = os.environ.get("CI", "").lower() == "true"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _missing(what: str) -> None:
    if ON_CI:
        pytest.fail(f"{what}; CI must not skip the browser tests", pytrace=False)
    pytest.skip(what)


@dataclass
class Site:
    base: str
    seeded: Seeded

    def url(self, path: str) -> str:
        return self.base + path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path) -> Iterator[Site]:
    """The seeded app on a free port, for as long as the generator runs."""
    import uvicorn

    plat = bootstrap(Settings(database_url=f"sqlite:///{db}"), clock=FixedClock(NOW))
    seeded = seed(plat)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(plat), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", seeded)
    finally:
        server.should_exit = True
        thread.join(10)
        plat.close()


def launch() -> Iterator[Any]:
    """Headless Chromium, or a skip (locally) / failure (CI) saying what is missing."""
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def pages(browser: Any) -> Iterator[Any]:
    """`make()` opens a page in a fresh context (its own cookies); all closed at the end."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 900},
                                      accept_downloads=True, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
