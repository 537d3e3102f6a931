"""Tests of the slow checks: in-process for their verdicts and idempotence, and on a real Celery worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contrib.submissions.choices import CheckStatus, EventKind
from contrib.submissions.models import Check, Event, Submission
from contrib.submissions.tasks import revision_checks_run
from tests.conftest import wait_for
from tests.submissions.factories import RIDDLES, People, latest, people_make, skill_qna, submit, tree_make

AWS_KEY = "AKIAQ3EGRIFYZ7EXAMPL"


def checks(submission: Submission) -> dict[str, Check]:
    return {c.name: c for c in Check.objects.filter(revision_id=latest(submission).pk)}


@pytest.mark.django_db
def test_checks_run_once_and_record_an_event(tree: int, cast: People) -> None:
    submission = submit(cast.author, qna_yaml=skill_qna("fables"))
    revision = latest(submission)

    assert revision_checks_run(revision.pk) == "completed"
    assert revision_checks_run(revision.pk) == "done"
    assert revision_checks_run(999_999) == "missing"

    result = checks(submission)
    assert result["pii"].status == CheckStatus.PASS
    assert result["near_duplicates"].status in (CheckStatus.PASS, CheckStatus.WARN)
    events = Event.objects.filter(submission=submission, kind=EventKind.CHECKS_COMPLETED)
    assert events.count() == 1 and events.get().data["checks"]["pii"] == "pass"


@pytest.mark.django_db
def test_near_duplicates_list_the_copied_leaf_first(tree: int, cast: People) -> None:
    copy = skill_qna("riddles", created_by="copycat")
    submission = submit(cast.author, path="compositional_skills/writing/riddles_again", qna_yaml=copy)
    revision_checks_run(latest(submission).pk)

    check = checks(submission)["near_duplicates"]
    assert check.status == CheckStatus.WARN
    top = check.details["matches"][0]
    assert top["path"] == RIDDLES and top["source"] == "leaf" and top["similarity"] >= 0.9
    assert top["examples"], "example-level matches are listed"
    assert len(check.details["matches"]) <= 5


@pytest.mark.django_db
def test_other_open_submissions_count_as_near_duplicates(tree: int, cast: People) -> None:
    first = submit(cast.author, path="compositional_skills/writing/sagas", qna_yaml=skill_qna("sagas"))
    second = submit(cast.other, path="compositional_skills/writing/sagas_too", qna_yaml=skill_qna("sagas", created_by="x"))
    revision_checks_run(latest(second).pk)
    top = checks(second)["near_duplicates"].details["matches"][0]
    assert top["source"] == "submission" and top["submission"] == first.pk


@pytest.mark.django_db
def test_pii_warns_on_emails_and_fails_on_keys(tree: int, cast: People) -> None:
    with_email = skill_qna("fables").replace("number 1.", "number 1. Write to jane.doe@gmail.com for more.")
    emailed = submit(cast.author, qna_yaml=with_email)
    keyed = submit(cast.author, path="compositional_skills/writing/keys",
                   qna_yaml=skill_qna("keys").replace("number 2.", f"number 2. The key is {AWS_KEY} here."))
    for submission in (emailed, keyed):
        revision_checks_run(latest(submission).pk)

    email_check = checks(emailed)["pii"]
    assert email_check.status == CheckStatus.WARN
    finding = email_check.details["findings"][0]
    assert finding["kind"] == "email" and finding["yaml_path"] == ".seed_examples[0].answer"
    assert "jane.doe@gmail.com" not in finding["excerpt"]
    key_check = checks(keyed)["pii"]
    assert key_check.status == CheckStatus.FAIL and AWS_KEY not in str(key_check.details)


@pytest.fixture
def worker_cast(celery_worker_process: str) -> Iterator[People]:
    tree_make()
    yield people_make()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_settles_pending_checks(worker_cast: People) -> None:
    copy = skill_qna("riddles", created_by="copycat").replace("number 3.", "number 3. Mail me: bob.smith@gmail.com")
    duplicate = submit(worker_cast.author, path="compositional_skills/writing/riddles_copy", qna_yaml=copy)
    clean = submit(worker_cast.other, path="compositional_skills/writing/sonnets",
                   qna_yaml=skill_qna("sonnets", subjects=["the moon", "a lamp", "a kettle", "the tide", "a kite"]))
    assert {c.status for c in checks(duplicate).values() if c.name != "schema"} == {CheckStatus.PENDING}

    def settled(submission: Submission) -> bool:
        return not Check.objects.filter(revision_id=latest(submission).pk, status=CheckStatus.PENDING).exists()

    assert wait_for(lambda: settled(duplicate) and settled(clean), timeout=60), "the worker did not run the checks"
    dup = checks(duplicate)
    assert dup["near_duplicates"].status == CheckStatus.WARN
    assert dup["near_duplicates"].details["matches"][0]["path"] == RIDDLES
    assert dup["pii"].status == CheckStatus.WARN and dup["pii"].details["findings"][0]["kind"] == "email"
    assert checks(clean)["pii"].status == CheckStatus.PASS
    assert checks(clean)["near_duplicates"].status in (CheckStatus.PASS, CheckStatus.WARN)
    assert Event.objects.filter(submission=duplicate, kind=EventKind.CHECKS_COMPLETED).count() == 1
