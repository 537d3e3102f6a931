"""Parallel merges on PostgreSQL: a linear history, no lost update, and conflicts reported."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from contrib.submissions.choices import Action, EventKind, Status
from contrib.submissions.exceptions import MergeConflict
from contrib.submissions.models import Event, Submission
from contrib.submissions.services import submission_merge
from taxonomy.models import TaxonomyVersion
from taxonomy.selectors import leaf_at
from tests.submissions.factories import LIMERICKS, People, approve, ready, skill_qna, user_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


def _merge_all(pks: list[int], actor: Any) -> dict[int, Any]:
    """Merge every submission at once, each in its own thread and database connection."""
    results: dict[int, Any] = {}
    barrier = threading.Barrier(len(pks))

    def run(pk: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[pk] = submission_merge(submission=Submission.objects.get(pk=pk), actor=actor)
        except Exception as exc:  # collected and asserted on by the test
            results[pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a merge hung"
    return results


def test_parallel_merges_keep_a_linear_history_and_report_conflicts(tree: int, cast: People) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    second = user_make("second_reviewer", role="reviewer", area="compositional_skills/writing")
    conflicting = [
        ready(cast.author, cast.reviewer, action=Action.UPDATE, path=LIMERICKS, title=f"Limericks {n}",
              qna_yaml=skill_qna("limericks", created_by=f"writer{n}"))
        for n in range(3)
    ]
    independent = [
        ready(cast.author, cast.reviewer, path=f"compositional_skills/writing/parallel{n}", title=f"Parallel {n}",
              qna_yaml=skill_qna(f"parallel{n}"))
        for n in range(5)
    ]
    for submission in [*conflicting, *independent]:
        approve(submission, second)
        assert submission.status == Status.APPROVED

    results = _merge_all([s.pk for s in [*conflicting, *independent]], cast.maintainer)

    errors = {pk: r for pk, r in results.items() if isinstance(r, Exception)}
    assert all(isinstance(e, MergeConflict) for e in errors.values()), errors
    winners = [s for s in conflicting if not isinstance(results[s.pk], Exception)]
    losers = [s for s in conflicting if isinstance(results[s.pk], Exception)]
    assert len(winners) == 1 and len(losers) == 2
    assert all(not isinstance(results[s.pk], Exception) for s in independent)

    # linear: 1..N, each the child of the one before
    versions = list(TaxonomyVersion.objects.order_by("number").values_list("number", "parent_id"))
    assert [n for n, _ in versions] == list(range(1, tree + 7))
    assert all(parent == number - 1 for number, parent in versions[1:])

    # no lost update: every merged change is live at the head
    head = versions[-1][0]
    for submission in [*winners, *independent]:
        submission.refresh_from_db()
        assert submission.status == Status.MERGED
        assert leaf_at(submission.path, head).sha256 == submission.latest_revision.sha256  # type: ignore[union-attr]
    merged_numbers = sorted(Submission.objects.filter(status=Status.MERGED).values_list("merged_version_id", flat=True))
    assert merged_numbers == list(range(tree + 1, head + 1))

    for submission in losers:
        submission.refresh_from_db()
        assert submission.status == Status.APPROVED
        assert Event.objects.filter(submission=submission, kind=EventKind.MERGE_CONFLICT).exists()
        assert errors[submission.pk].changes["versions"][0]["origin_ref"] == f"submission:{winners[0].pk}"
