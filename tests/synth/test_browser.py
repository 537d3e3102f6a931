"""A contributor previews the data their submission generates, in a real Chromium with a Celery worker and a teacher."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from contrib.synth.choices import RunStatus
from contrib.synth.models import GenerationRun
from contrib.synth.services import teacher_configure
from tests.browser import offline_page, screenshot_folder
from tests.submissions.factories import PASSWORD, submit, tree_make, user_make
from tests.synth.scripted import ScriptedTeacherHandle, run_scripted_teacher

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server: Any, tmp_path: Path) -> Iterator[Page]:
    with offline_page(live_server.url, tmp_path) as page:
        yield page


@pytest.fixture
def teacher_server() -> Iterator[ScriptedTeacherHandle]:
    # A subprocess: the Celery worker is the client, and this process is busy driving the browser.
    with run_scripted_teacher(mode="process", latency=0.1, slots=8, judge_fail_rate=0.3) as handle:
        yield handle


def test_a_contributor_previews_generated_data_beside_the_seed_examples(
    page: Page, live_server: Any, celery_worker_process: str, teacher_server: ScriptedTeacherHandle, tmp_path: Path
) -> None:
    tree_make()
    author = user_make("ada")
    teacher_configure(name="scripted-demo", base_url=teacher_server.base_url, model="scripted", max_concurrency=8)
    submission = submit(author)

    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{base}/submissions/{submission.pk}/")
    preview = page.locator(".generation-preview")
    expect(preview.get_by_role("heading", name="Generation preview")).to_be_visible()
    expect(preview.locator(".preview-column--generated")).to_contain_text("No preview yet")
    preview.get_by_role("button", name="Preview generated data").click()

    expect(page.locator(".flash")).to_contain_text("Generating a preview of revision r1 with scripted-demo")
    run = GenerationRun.objects.get(submission_revision__submission=submission)
    # The samples arrive through the poller, without a reload, beside the seed examples.
    generated = page.locator(".preview-column--generated")
    expect(generated.locator(".sample").first).to_be_visible()
    expect(page.locator(".generation-preview [data-run-progress]")).to_have_attribute("data-status", "succeeded")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    expect(generated.locator(".sample")).to_have_count(min(run.samples_kept + run.samples_filtered, 50))
    expect(generated.locator(".sample--kept").first).to_be_visible()
    expect(page.locator(".preview-column--seeds .example--seed")).to_have_count(5)
    expect(page.locator(".generation-preview [data-field='samples_kept']")).to_have_text(str(run.samples_kept))
    expect(page.locator(".generation-preview .bar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(".generation-preview [data-run-cancel]")).to_have_count(0)
    page.locator("#preview-title").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_folder(tmp_path) / "run-preview.png"), full_page=True)

    # The run's own page lists the same samples with their verdicts and origin.
    page.get_by_role("link", name=f"run #{run.pk}").click()
    expect(page).to_have_url(re.compile(rf"/runs/{run.pk}/$"))
    expect(page.locator(".samples .sample").first).to_contain_text("scripted")
