"""A visitor opens a published release in a real Chromium: the charts are drawn, and a file downloads."""

from __future__ import annotations

import hashlib
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

    row = page.locator('tr[data-file="skills/train-00000-of-00001.parquet"]')
    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "train-00000-of-00001.parquet"
    assert Path(download.path()).read_bytes() == PARQUET


# ------------------------------------------------------------------------------------------- the workflow

#: Enough planted rows that the build takes a few seconds on the worker, so the page sees it running.
WORKFLOW_ROWS_PER_LEAF = 6_000


def test_a_maintainer_creates_a_release_watches_it_build_on_a_worker_publishes_and_downloads_it(
    live_server: Any, celery_worker_process: str, settings: Any, tmp_path: Path,
) -> None:
    from contrib.releases.models import Release
    from tests.releases.factories import ANTONYMS, HAIKU, MERGED, distinct_pairs, planted_run, world_make
    from tests.submissions.factories import PASSWORD, user_make

    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")  # where the worker stores the files it builds
    world = world_make()
    run = planted_run(world.version, {path: distinct_pairs(path.rsplit("/", 1)[-1], WORKFLOW_ROWS_PER_LEAF)
                                      for path in (HAIKU, ANTONYMS, MERGED)})
    user_make("maya", role="maintainer")
    base = live_server.url
    with offline_page(base, tmp_path, accept_downloads=True, timeout_ms=90_000) as page:
        page.goto(base + "/accounts/login/")
        page.get_by_label("Username").fill("maya")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.goto(base + "/releases/")
        page.get_by_role("textbox", name="Version").fill("2026.12.0")
        page.get_by_label("Taxonomy version", exact=False).select_option(str(world.version.number))
        page.get_by_label("Generation runs").select_option(str(run.pk))
        page.get_by_label("Test fraction").fill("0.34")
        page.get_by_role("button", name="Create and build").click()

        # The build runs on the worker; the page follows it without a reload of ours.
        expect(page.get_by_role("heading", name="Release 2026.12.0")).to_be_visible()
        progress = page.locator("[data-release-progress]")
        expect(progress).to_be_visible()
        expect(progress.get_by_role("progressbar", name="Build progress")).to_be_visible()
        page.screenshot(path=str(screenshot_folder(tmp_path) / "release-building.png"), full_page=True)
        expect(page.get_by_text("Built and waiting for a maintainer")).to_be_visible(timeout=90_000)
        release = Release.objects.get(version="2026.12.0")
        assert release.status == "built", release.error
        assert release.progress["rows_total"] == release.stats["considered"] >= 3 * WORKFLOW_ROWS_PER_LEAF
        expect(page.get_by_role("img", name="Rows of 2026.12.0 by area and kind")).to_be_visible()
        # every "rows (+change)" label of the diff chart fits inside the chart, the longest bar's too
        diff_chart = page.locator("svg.chart--diff")
        chart_box = diff_chart.bounding_box()
        assert chart_box is not None
        values = diff_chart.locator("text.chart-value").all()
        assert values
        for value in values:
            box = value.bounding_box()
            assert box is not None and box["x"] + box["width"] <= chart_box["x"] + chart_box["width"], value.text_content()

        page.get_by_role("button", name="Publish").click()
        expect(page.locator(".flash")).to_contain_text("Release 2026.12.0 is published")
        page.screenshot(path=str(screenshot_folder(tmp_path) / "release.png"), full_page=True)

        parquet = release.files.filter(kind="parquet", split="train").order_by("name").first()
        assert parquet is not None
        row = page.locator(f'tr[data-file="{parquet.name}"]')
        with page.expect_download() as info:
            row.get_by_role("link", name="Download").click()
        data = Path(info.value.path()).read_bytes()
    assert len(data) == parquet.bytes and hashlib.sha256(data).hexdigest() == parquet.sha256
