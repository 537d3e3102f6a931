"""Tests of the submission selectors: the reviewer queue, labels, dashboards' stats and the diff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contrib.submissions.choices import Action, Label, Status, Verdict
from contrib.submissions.diff import diff_lines
from contrib.submissions.models import Submission
from contrib.submissions.selectors import (
    contributor_stats,
    my_submissions,
    review_queue,
    reviewer_stats,
    submission_label,
    submission_timeline,
)
from contrib.submissions.services import review_submit, submission_merge
from tests.submissions.factories import (
    LIGHTHOUSES,
    People,
    checks_settle,
    knowledge_qna,
    ready,
    skill_qna,
    submit,
    user_make,
)

pytestmark = pytest.mark.django_db


def test_review_queue_is_the_areas_one_owns_oldest_first(tree: int, cast: People) -> None:
    poets = user_make("poets", role="reviewer", area="compositional_skills/writing/poems")
    old = submit(cast.author, title="old", path="compositional_skills/writing/tales", qna_yaml=skill_qna("tales"))
    Submission.objects.filter(pk=old.pk).update(opened_at=timezone.now() - timedelta(days=10))
    new = submit(cast.author, title="new")
    poem = submit(cast.author, title="poem", path="compositional_skills/writing/poems/odes", qna_yaml=skill_qna("odes"))
    rhyme = submit(cast.author, title="rhyme", path="compositional_skills/linguistics/puns", qna_yaml=skill_qna("puns"))
    knowledge = submit(cast.author, title="k", action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())
    submit(cast.author, title="draft", path="compositional_skills/writing/drafts", draft=True)

    assert [s.title for s in review_queue(user=cast.reviewer)] == ["old", "new"], "most specific area wins"
    assert [s.title for s in review_queue(user=poets)] == ["poem"]
    assert [s.title for s in review_queue(user=cast.outsider)] == ["rhyme"]
    assert list(review_queue(user=cast.other)) == []
    assert {s.pk for s in review_queue(user=cast.maintainer)} == {old.pk, new.pk, poem.pk, rhyme.pk, knowledge.pk}
    assert [s.title for s in review_queue(user=cast.maintainer, kind="knowledge")] == ["k"]
    assert [s.title for s in review_queue(user=cast.maintainer, area="compositional_skills/writing/poems")] == ["poem"]
    assert [s.title for s in review_queue(user=cast.maintainer, older_than_days=7)] == ["old"]
    review_submit(submission=new, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES, body="x")
    assert [s.title for s in review_queue(user=cast.reviewer, status=Status.CHANGES_REQUESTED)] == ["new"]


def test_labels(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    assert submission_label(submission) == Label.NEEDS_TRIAGE
    review_submit(submission=submission, reviewer=cast.other, verdict=Verdict.COMMENT, body="hm")
    assert submission_label(submission) == Label.IN_REVIEW
    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES, body="x")
    submission.refresh_from_db()
    assert submission_label(submission) == Label.CHANGES_REQUESTED
    assert submission_label(submit(cast.author, path="compositional_skills/writing/d", draft=True)) == Label.DRAFT


def test_stats(tree: int, cast: People) -> None:
    merged = ready(cast.author, cast.reviewer)
    checks_settle(merged)
    submission_merge(submission=merged, actor=cast.reviewer)
    submit(cast.author, path="compositional_skills/writing/more", qna_yaml=skill_qna("more"))
    submit(cast.author, path="compositional_skills/writing/later", draft=True)

    stats = contributor_stats(cast.author)
    assert (stats.merged_leaves, stats.seed_examples, stats.open, stats.drafts, stats.total) == (1, 5, 1, 1, 3)
    assert [s.status for s in my_submissions(cast.author)] == ["draft", "open", "merged"]
    review = reviewer_stats(cast.reviewer)
    assert (review.queue, review.reviews, review.approvals, review.merged) == (1, 1, 1, 1)
    assert [e.kind for e in submission_timeline(merged)][-1] == "merged"


def test_diff_lines_carry_numbers_and_yaml_paths() -> None:
    old = "version: 3\nseed_examples:\n  - question: a\n    answer: b\n"
    new = "version: 3\nseed_examples:\n  - question: a\n    answer: c\n"
    lines = diff_lines(old, new)
    assert lines[0].kind == "@" and lines[0].text == "@@ -1,4 +1,4 @@"
    changed = [(d.kind, d.old_no, d.new_no, d.yaml_path) for d in lines if d.kind in "+-"]
    assert changed == [("-", 4, None, ".seed_examples[0].answer"), ("+", None, 4, ".seed_examples[0].answer")]
    assert [d.kind for d in diff_lines("", new)][1:] == ["+"] * 4
    assert diff_lines(new, new) == []
    assert {d.kind for d in diff_lines("a: [", "a: [b")} == {"@", "-", "+"}
