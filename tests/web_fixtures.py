"""Fixtures for ``yuliao serve``: the app in-process, the command on a loopback port, Chromium.

Chromium and chromedriver are Debian's (``.ci/run`` installs them); Selenium is given both
paths, so Selenium Manager never looks for or downloads a browser. Without them a browser
test skips, unless ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, CrawlRun

CHROMIUM = Path(os.environ.get("YULIAO_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("YULIAO_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # no update checks, no field trials: loopback only
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-US",
)
_SERVING = re.compile(r"read-only on (http://\S+)/")
_FAILED = pytest.StashKey[bool]()


@dataclass(frozen=True)
class Served:
    """A running ``yuliao serve`` and its base URL."""

    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str = "/") -> str:
        return self.base + path


def start_server(db: str, log: Path, *, timeout: float = 30) -> Served:
    """Start ``yuliao serve --port 0`` on ``db`` and wait for the address it prints."""
    env = {**os.environ}
    env.pop("YULIAO_DB", None)
    cmd = [sys.executable, "-m", "crawler.cli", "--db", db, "serve", "--port", "0"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _SERVING.search(log.read_text(errors="replace"))
        if found:
            return Served(found.group(1), proc, log)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop_server(proc)
    raise AssertionError(f"yuliao serve did not start:\n{log.read_text(errors='replace')}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def chrome(profile: Path, *, width: int = 1280, height: int = 900) -> Any:
    """Headless Debian Chromium driven through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    service = Service(executable_path=str(CHROMEDRIVER))
    return webdriver.Chrome(options=options, service=service)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        return (
            f"no Chromium: {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
        )
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether a test failed, so its browser fixture can take a screenshot."""
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture(scope="session")
def served(crawled: CrawlRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``yuliao serve`` on the crawl of the example site, for the whole session."""
    server = start_server(crawled.db, tmp_path_factory.mktemp("serve") / "serve.log")
    yield server
    stop_server(server.proc)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the session; fails under ``CI=true`` when not installed."""
    reason = chromium_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    driver = chrome(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The session's Chromium; a failed test leaves a screenshot and the HTML in ``tmp_path``."""
    yield chromium
    if request.node.stash.get(_FAILED, False):
        chromium.save_screenshot(str(tmp_path / "failure.png"))
        (tmp_path / "failure.html").write_text(chromium.page_source, encoding="utf-8")
        print(f"screenshot of the failed page: {tmp_path / 'failure.png'}")  # noqa: T201


@pytest.fixture(scope="module")
def web(crawled: CrawlRun) -> Iterator[Any]:
    """The app in-process over the example-site crawl, through Starlette's test client."""
    from starlette.testclient import TestClient

    from crawler.web import create_app, readonly_url
    from storage import Corpus

    with (
        Corpus(readonly_url(crawled.db), create=False) as corpus,
        TestClient(create_app(corpus, name=crawled.path.name)) as client,
    ):
        yield client
