"""Shared set-up for the browser tests: Debian's Chromium, launched headless and offline-friendly."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots are refreshed only on request (`SEEDBED_SCREENSHOTS=1 make test`), so a test run
# leaves the work tree clean.
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def require_chromium() -> None:
    """Fail in CI, skip elsewhere, when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI at {CHROMIUM}: apt-get install chromium")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def screenshot_folder(tmp_path: Path) -> Path:
    folder = DOCS_SCREENSHOTS if os.environ.get("SEEDBED_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def offline_page(
    base_url: str,
    tmp_path: Path,
    *,
    timeout_ms: int = 30_000,
    accept_downloads: bool = False,
    allowed_errors: tuple[str, ...] = (),
) -> Iterator[Any]:
    """A Chromium page that must fetch only from ``base_url`` and log no console errors.

    Console errors containing any of ``allowed_errors`` (e.g. an expected "status of 409") are tolerated.
    The last page is saved to ``tmp_path`` for a failed run.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    require_chromium()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=accept_downloads)
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            requested: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            try:
                try:
                    yield page
                finally:
                    page.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
                assert all(url.startswith(base_url) for url in requested), requested
                assert not [e for e in errors if not any(a in e for a in allowed_errors)], errors
            finally:
                context.close()
                browser.close()
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
