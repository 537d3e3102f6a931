"""The contribution and review flows driven in a real headless Chromium against a live server and a Celery worker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from contrib.submissions.models import Submission
from tests.browser import offline_page, screenshot_folder
from tests.submissions.factories import PASSWORD, SKILLS_AREA, tree_make, user_make

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FABLES = "compositional_skills/writing/fables"
HARBOURS = "knowledge/history/harbours"
ANIMALS = ["ant", "hare", "crow", "grasshopper", "dog"]


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    return screenshot_folder(tmp_path)


@pytest.fixture
def page(live_server: Any, tmp_path: Path) -> Iterator[Page]:
    # The flows provoke a refused action on purpose; the browser logs its 400/409 as console errors.
    with offline_page(live_server.url, tmp_path, timeout_ms=30_000,
                      allowed_errors=("status of 409", "status of 400")) as page:
        yield page


@pytest.fixture
def cast(celery_worker_process: str) -> dict[str, Any]:
    """The tree at version 1, a contributor with a DCO identity, and the reviewer of the writing area."""
    tree_make()
    author = user_make("ada")
    author.profile.dco_name = "Ada Lovelace"
    author.profile.display_name = "Ada"
    author.profile.save()
    reviewer = user_make("grace", role="reviewer", area=SKILLS_AREA)
    user_make("hedy", role="reviewer", area="knowledge")
    return {"author": author, "reviewer": reviewer}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def next_step(page: Page) -> None:
    page.locator(".step.is-current .js-next").click()


def wait_for_checks(page: Page) -> None:
    """Reload the submission page until the worker has finished every check."""
    for _ in range(60):
        if page.locator("[data-status=pending]").count() == 0 and page.locator("[data-check]").count() >= 3:
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError("the checks stayed pending")


def fill_example(page: Page, row: int, question: str, answer: str) -> None:
    page.locator(f"[name='ex-{row}-question_1']").fill(question)
    page.locator(f"[name='ex-{row}-answer_1']").fill(answer)
    page.locator(f"[name='ex-{row}-answer_1']").blur()


def review_on_line(page: Page, yaml_path: str, body: str, verdict: str) -> None:
    row = page.locator("tr.dl--add", has=page.locator("td.ypath code", has_text=re.compile("^" + re.escape(yaml_path) + "$"))).first
    row.locator("summary", has_text="Comment").click()
    row.locator("textarea").fill(body)
    row.get_by_role("button", name=verdict).click()


def test_skill_submit_review_revise_approve_merge(page: Page, live_server: Any, cast: dict[str, Any], screenshots: Path) -> None:
    base = live_server.url
    log_in(page, base, "ada")
    page.get_by_role("link", name="Submit").click()
    expect(page.get_by_role("heading", name="Submit a skill or knowledge")).to_be_visible()

    # Step 1: the path picker searches the tree; choosing a directory leaves the leaf name to type.
    page.locator("#id_path").fill("writing")
    page.locator(".path-option", has_text=re.compile(r"^compositional_skills/writing/")).first.click()
    expect(page.locator("#id_path")).to_have_value("compositional_skills/writing/")
    page.locator("#id_path").press("End")
    page.locator("#id_path").type("fables")
    # Choosing an existing leaf suggests updating it.
    page.locator("#id_path").fill("limericks")
    page.locator(".path-option--leaf").first.click()
    expect(page.locator("input[name=action][value=update]")).to_be_checked()
    page.locator("#id_path").fill(FABLES)
    page.locator("input[name=action][value=add]").check()
    next_step(page)

    # Step 2: details.
    page.locator("#id_title").fill("Add fables with a moral")
    page.get_by_label("Description", exact=True).fill("Short fables, each ending with its moral.")
    page.get_by_label("Task description").fill("Write a short fable about the animal named in the question.")
    next_step(page)

    # Step 3: five rows are shown; four filled examples meet a live error, as does an empty answer.
    expect(page.locator(".example-row:not(.is-removed)")).to_have_count(5)
    for i, animal in enumerate(ANIMALS[:4]):
        fill_example(page, i, f"Write a fable about a {animal}: yes or no?", f"A {animal} learned: patience pays.\nMoral: * wait.")
    expect(page.locator("#msg-examples")).to_contain_text("at least 5")
    page.locator("[name='ex-4-question_1']").fill("Write a fable about a dog.")
    page.locator("[name='ex-4-answer_1']").focus()
    page.locator("[name='ex-4-question_1']").focus()
    page.locator("[name='ex-4-answer_1']").fill("")
    page.locator("[name='ex-4-answer_1']").blur()
    expect(page.locator("#msg-ex-4-answer_1")).to_contain_text("non-empty")
    expect(page.locator("#msg-ex-4-answer_1")).to_have_attribute("role", "alert")
    # The word counter turns red over the guide's limit, and back.
    page.locator("[name='ex-4-answer_1']").fill(" ".join(["word"] * 260))
    expect(page.locator("[data-count-for='ex-4-qa_1']")).to_have_class(re.compile("is-over"))
    fill_example(page, 4, "Write a fable about a dog.", "A loyal dog waited at the gate.\nMoral: loyalty is rewarded.")
    expect(page.locator("[data-count-for='ex-4-qa_1']")).not_to_have_class(re.compile("is-over"))
    expect(page.locator("#msg-ex-4-answer_1")).to_be_empty()
    expect(page.locator("#msg-examples")).to_be_empty()
    # Rows can be added and removed.
    page.get_by_role("button", name="Add an example").click()
    expect(page.locator(".example-row:not(.is-removed)")).to_have_count(6)
    page.locator(".example-row").nth(5).get_by_role("button", name="Remove this example").click()
    expect(page.locator(".example-row:not(.is-removed)")).to_have_count(5)
    next_step(page)

    # Step 4: attribution with a licence from the allow-list.
    page.get_by_label("Title of work").fill("Seedbed fables")
    page.get_by_label("Link to work").fill("https://example.org/fables")
    page.get_by_label("Revision", exact=True).fill("1")
    page.get_by_label("Licence of the work").select_option("CC-BY-4.0")
    page.get_by_label("Creator names").fill("Ada Lovelace")
    next_step(page)

    # Step 5: the server-rendered preview, the prefilled sign-off, and "Open submission".
    expect(page.locator("#validation-status")).to_have_text("The files pass validation.")
    expect(page.locator("#preview-qna")).to_contain_text("version: 3")
    expect(page.locator("#preview-qna")).to_contain_text("Write a fable about a crow: yes or no?")
    expect(page.locator("#preview-qna")).to_contain_text("answer: |")  # multi-line text as a block, no CR
    expect(page.locator("#preview-attribution")).to_contain_text("License of the work: CC-BY-4.0")
    expect(page.get_by_label("Sign-off line")).to_have_value("Signed-off-by: Ada Lovelace <ada@example.org>")
    page.get_by_label(re.compile("I certify the Developer Certificate")).check()
    page.screenshot(path=str(screenshots / "submit-form.png"), full_page=True)
    page.get_by_role("button", name="Open submission").click()

    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    submission = Submission.objects.get(path=FABLES)
    expect(page.get_by_role("heading", name=re.compile("Add fables with a moral"))).to_be_visible()
    wait_for_checks(page)
    expect(page.locator("[data-check=schema]")).to_have_attribute("data-status", "pass")
    log_out(page)

    # The reviewer finds it in the queue and requests changes with a comment on one line of the diff.
    log_in(page, base, "grace")
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("link", name=re.compile("Add fables with a moral"))).to_be_visible()
    page.screenshot(path=str(screenshots / "review-queue.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Add fables with a moral")).click()
    review_on_line(page, ".seed_examples[0].answer", "Make the moral rhyme, please.", "Request changes")
    expect(page.locator(".flash")).to_contain_text("Changes requested")
    expect(page.locator("tr.dl-comments")).to_contain_text("Make the moral rhyme, please.")
    expect(page.locator("h1 .badge")).to_have_text("changes requested")
    page.screenshot(path=str(screenshots / "submission-review.png"), full_page=True)
    log_out(page)

    # The contributor answers with a new revision, prefilled from the first.
    log_in(page, base, "ada")
    page.goto(f"{base}/submissions/{submission.pk}/")
    page.get_by_role("link", name="New revision").click()
    page.locator("#stepper a[data-step='3']").click()
    expect(page.locator("[name='ex-0-answer_1']")).to_have_value("A ant learned: patience pays.\nMoral: * wait.")
    page.locator("[name='ex-0-answer_1']").fill("An ant worked all summer long.\nMoral: who works today, eats come what may.")
    page.locator("#stepper a[data-step='5']").click()
    expect(page.locator("#validation-status")).to_have_text("The files pass validation.")
    page.get_by_label(re.compile("I certify the Developer Certificate")).check()
    page.get_by_role("button", name="Push revision").click()
    expect(page.locator(".flash")).to_contain_text("New revision pushed")
    wait_for_checks(page)
    log_out(page)

    # The reviewer approves and merges; the leaf is in the tree at the new version.
    log_in(page, base, "grace")
    page.goto(f"{base}/submissions/{submission.pk}/")
    wait_for_checks(page)
    page.locator(".review-form input[value=approve]").check()
    page.get_by_label("Review comment").fill("Lovely.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator("h1 .badge")).to_have_text("approved")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Merged as version 2")
    page.goto(f"{base}/leaf/{FABLES}/?version=2")
    expect(page.get_by_role("heading", name=re.compile("^fables"))).to_be_visible()
    expect(page.locator(".block--answer .block-text").first).to_contain_text("who works today")


def test_knowledge_with_a_markdown_document(page: Page, live_server: Any, cast: dict[str, Any], tmp_path: Path) -> None:
    base = live_server.url
    log_in(page, base, "ada")
    page.goto(base + "/submit/")
    page.locator("input[name=kind][value=knowledge]").check()
    page.locator("#id_path").fill(HARBOURS)
    next_step(page)
    page.locator("#id_title").fill("Add harbours")
    page.get_by_label("Domain").fill("History")
    page.get_by_label("Document outline").fill("How harbours shelter ships, from antiquity to container ports.")
    expect(page.get_by_label("Task description")).to_be_hidden()
    next_step(page)

    facts = ["Ancient harbours used breakwaters.", "Lighthouses marked harbour mouths.", "Tides shape harbour design.",
             "Container ports need deep water.", "Dredging keeps channels open."]
    for i, fact in enumerate(facts):
        page.locator(f"[name='ex-{i}-context']").fill(fact)
        for n in range(1, 4):
            page.locator(f"[name='ex-{i}-question_{n}']").fill(f"Question {n} about fact {i + 1}?")
            page.locator(f"[name='ex-{i}-answer_{n}']").fill(f"Answer {n}: {fact}" if n < 3 else "")
        page.locator(f"[name='ex-{i}-answer_3']").blur()
    # The empty third answer of each example is reported at its field.
    expect(page.locator("#msg-ex-0-answer_3")).to_contain_text("non-empty")
    for i, fact in enumerate(facts):
        page.locator(f"[name='ex-{i}-answer_3']").fill(f"Answer 3: {fact}")
    expect(page.locator("#msg-ex-0-answer_3")).to_be_empty()
    expect(page.locator("[data-count-for='ex-0-context'] .word-count-n")).to_have_text("4")
    next_step(page)

    page.get_by_label("Title of work").fill("Harbour notes")
    page.get_by_label("Link to work").fill("https://example.org/harbours")
    page.get_by_label("Revision", exact=True).fill("2024-05")
    page.get_by_label("Licence of the work").select_option("CC-BY-SA-4.0")
    page.get_by_label("Creator names").fill("Ada Lovelace")
    document = tmp_path / "harbours.md"
    document.write_text("# Harbours\n\nAncient harbours used breakwaters; dredging keeps channels open.\n")
    page.locator("input[name=documents]").set_input_files(str(document))
    page.get_by_label("Document patterns").fill("harbours.md")
    page.get_by_label("Document repository").fill("https://example.org/harbour-notes.git")
    page.get_by_label("Document commit").fill("0123456789abcdef0123456789abcdef01234567")
    next_step(page)

    expect(page.locator("#validation-status")).to_have_text("The files pass validation.")
    expect(page.locator("#preview-qna")).to_contain_text("questions_and_answers:")
    expect(page.locator("#preview-qna")).to_contain_text("- harbours.md")
    page.get_by_label(re.compile("I certify the Developer Certificate")).check()
    page.get_by_role("button", name="Open submission").click()
    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    submission = Submission.objects.get(path=HARBOURS)
    expect(page.locator("#docs-title + ul")).to_contain_text("harbours.md")
    wait_for_checks(page)
    expect(page.locator("[data-check=documents]")).to_have_attribute("data-status", "pass")
    log_out(page)

    log_in(page, base, "hedy")
    page.goto(f"{base}/submissions/{submission.pk}/")
    review_on_line(page, ".seed_examples[0].context", "Say which harbour.", "Request changes")
    expect(page.locator("tr.dl-comments")).to_contain_text("Say which harbour.")
    log_out(page)

    log_in(page, base, "ada")
    page.goto(f"{base}/submissions/{submission.pk}/revise/")
    page.locator("#stepper a[data-step='3']").click()
    page.locator("[name='ex-0-context']").fill("The ancient harbour of Caesarea used breakwaters.")
    page.locator("#stepper a[data-step='5']").click()
    expect(page.locator("#validation-status")).to_have_text("The files pass validation.")
    page.get_by_label(re.compile("I certify the Developer Certificate")).check()
    page.get_by_role("button", name="Push revision").click()
    expect(page.locator(".flash")).to_contain_text("New revision pushed")
    log_out(page)

    log_in(page, base, "hedy")
    page.goto(f"{base}/submissions/{submission.pk}/")
    wait_for_checks(page)
    page.locator(".review-form input[value=approve]").check()
    page.get_by_role("button", name="Submit review").click()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Merged as version 2")
    page.goto(f"{base}/leaf/{HARBOURS}/?version=2")
    expect(page.get_by_role("heading", name=re.compile("^harbours"))).to_be_visible()
    expect(page.get_by_text("Caesarea").first).to_be_visible()
    expect(page.locator("#stored-docs-title + ul")).to_contain_text("harbours.md")
