"""The tree browser and leaf page driven in a real headless Chromium (Playwright) against a live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import launch, require_chromium, screenshot_folder
from tests.taxonomy.helpers import (
    FREEFORM_PATH,
    GROUNDED_PATH,
    commit,
    freeform_skill_yaml,
    grounded_skill_yaml,
    leaf,
    standard_tree,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return screenshot_folder(tmp_path)


@dataclass
class Browsing:
    """A Chromium page, with what it fetched, what failed, and what it logged as errors."""

    page: Page
    requested: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def browsing(live_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browsing]:  # type: ignore[no-untyped-def]
    require_chromium()

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        seen = Browsing(page)
        page.on("request", lambda request: seen.requested.append(request.url))
        page.on("response", lambda response: seen.failed.append(response.url) if response.status >= 400 else None)
        page.on("console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None)
        try:
            yield seen
        finally:
            context.close()
            browser.close()
            # ORM calls made while Playwright's loop is running open connections in its context: close
            # them here, or the test database cannot be dropped at the end of the session.
            connections.close_all()


def test_browse_search_and_read_a_leaf(browsing: Browsing, live_server, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    page = browsing.page
    standard_tree()
    commit(
        leaf("compositional_skills/writing/poetry/limericks", freeform_skill_yaml("There once was a seed")),
        leaf("compositional_skills/extraction/receipts/dates", grounded_skill_yaml().replace("Total", "Date")),
        message="Add limericks and receipt dates",
    )
    commit(
        leaf(FREEFORM_PATH, freeform_skill_yaml("Frost on the window\nthe kettle begins to sing\nwinter's first morning")),
        message="Rework the frost haiku",
    )
    base = live_server.url

    # The tree at the head version, from the home page.
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Taxonomy tree")).to_be_visible()
    expect(page.get_by_role("link", name="compositional_skills/")).to_be_visible()
    expect(page.locator("#version-select")).to_have_value("3")
    expect(page.locator("table.listing .badge--readonly")).to_have_count(1)  # foundational_skills
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "tree-browser.png"), full_page=True)
    page.get_by_role("link", name="compositional_skills/").click()
    expect(page).to_have_url(re.compile(r"/tree/compositional_skills/$"))
    page.get_by_role("link", name="writing/").click()
    page.get_by_role("link", name="poetry/").click()
    expect(page).to_have_url(re.compile(r"/tree/compositional_skills/writing/poetry/$"))
    expect(page.get_by_role("link", name="limericks", exact=True)).to_be_visible()
    expect(page.locator("table.listing .badge--freeform_skill")).to_have_count(2)

    # Choosing an older version in the selector reloads the directory at that version (small vanilla JS).
    page.locator("#version-select").select_option("1")
    expect(page).to_have_url(re.compile(r"\?version=1$"))
    expect(page.get_by_role("link", name="limericks", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="haiku", exact=True)).to_be_visible()

    # Search at the head finds a leaf by the text of one of its answers.
    page.goto(base + "/")
    page.get_by_role("searchbox").fill("kettle")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/tree/\?q=kettle"))
    result = page.get_by_role("link", name=FREEFORM_PATH)
    expect(result).to_be_visible()
    expect(page.locator(".snippet mark")).to_have_text("kettle")
    result.click()

    # The leaf page shows the seed examples as questions and answers, with line breaks kept.
    expect(page).to_have_url(re.compile(rf"/leaf/{FREEFORM_PATH}/$"))
    expect(page.get_by_role("heading", name=re.compile(r"^haiku"))).to_be_visible()
    expect(page.locator(".block--question")).to_have_count(5)
    first_answer = page.locator(".block--answer .block-text").first
    expect(first_answer).to_have_text("Frost on the window\nthe kettle begins to sing\nwinter's first morning\n")
    box = first_answer.bounding_box()
    assert box is not None and box["height"] > 40  # three visual lines, not one
    expect(page.get_by_text("Title of work: Seedbed test examples")).to_be_visible()

    # Its history: two revisions, the first viewable at version 1.
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_have_class(re.compile("is-current"))
    page.screenshot(path=str(screenshots / "leaf.png"), full_page=True)
    page.get_by_role("link", name="view at v1").click()
    expect(page).to_have_url(re.compile(r"\?version=1$"))
    expect(page.locator(".block--answer .block-text").first).to_contain_text("Morning frost melting")

    # A grounded skill shows each example's context.
    page.goto(f"{base}/leaf/{GROUNDED_PATH}/")
    expect(page.locator(".block--context")).to_have_count(5)

    # Everything came from this server: no CDN, no external URL.
    assert browsing.requested and all(url.startswith(base) for url in browsing.requested), browsing.requested
    assert browsing.failed == [] and browsing.console_errors == [], (browsing.failed, browsing.console_errors)
    assert (screenshots / "tree-browser.png").stat().st_size > 10_000
    assert (screenshots / "leaf.png").stat().st_size > 10_000


def test_api_docs_load_without_external_requests(browsing: Browsing, live_server) -> None:  # type: ignore[no-untyped-def]
    browsing.page.goto(live_server.url + "/api/docs/")
    expect(browsing.page.get_by_text("/api/v1/validate/")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in browsing.requested), browsing.requested
    assert browsing.failed == [], browsing.failed
