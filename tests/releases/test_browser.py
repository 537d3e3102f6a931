"""A visitor opens a published release in a real Chromium: the charts are drawn, and a file downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import offline_page, screenshot_folder
from tests.releases import test_views as shared
from tests.releases.test_views import PARQUET, release_make

media = shared.media

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server: Any, tmp_path: Path) -> Iterator[Page]:
    with offline_page(live_server.url, tmp_path, accept_downloads=True) as page:
        yield page


def test_a_visitor_sees_the_charts_and_downloads_a_file(page: Page, live_server: Any, media: Path, tmp_path: Path) -> None:
    release_make("2026.1.0", previous=release_make("2025.12.0"))

    page.goto(f"{live_server.url}/releases/")
    page.get_by_role("link", name="2026.1.0").click()
    expect(page.get_by_role("heading", name="Release 2026.1.0")).to_be_visible()
    for name in ("Rows of 2026.1.0 by area and kind", "Rows of 2026.1.0 kept and filtered, by reason",
                 "Rows per area: 2025.12.0 and 2026.1.0"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 40
    expect(page.locator(".chart--composition rect.chart-bar")).to_have_count(3)
    expect(page.locator(".card-text")).to_contain_text("# Seedbed 2026.1.0")

    page.screenshot(path=str(screenshot_folder(tmp_path) / "release.png"), full_page=True)

    row = page.locator('tr[data-file="skills/train-00000-of-00001.parquet"]')
    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "train-00000-of-00001.parquet"
    assert Path(download.path()).read_bytes() == PARQUET
