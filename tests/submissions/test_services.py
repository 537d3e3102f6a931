"""Tests of the submission services: creation, the state machine, approvals, merge and conflicts, withdrawal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from contrib.submissions.choices import Action, CheckStatus, EventKind, Status, Verdict
from contrib.submissions.exceptions import (
    InvalidTransition,
    MergeConflict,
    MergeNotAllowed,
    SubmissionInvalid,
)
from contrib.submissions.models import Event, Review
from contrib.submissions.services import (
    comment_add,
    document_add,
    review_submit,
    revision_create,
    submission_merge,
    submission_open,
    submission_withdraw,
)
from contrib.submissions.services.content import leaf_sha256
from taxonomy.choices import VersionOrigin
from taxonomy.models import LeafRevision, TaxonomyVersion
from taxonomy.selectors import leaf_at
from tests.submissions.factories import (
    ATTRIBUTION,
    ATTRIBUTION_TXT,
    DOCUMENT,
    FRESH,
    LIGHTHOUSES,
    LIMERICKS,
    RIDDLES,
    SIGNOFF,
    People,
    approve,
    checks_settle,
    knowledge_qna,
    latest,
    ready,
    skill_qna,
    submit,
    user_make,
)

pytestmark = pytest.mark.django_db


def kinds(submission) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Event.objects.filter(submission=submission).values_list("kind", flat=True))


def test_create_opens_against_the_head_with_revision_one_and_checks(tree: int, cast: People) -> None:
    submission = submit(cast.author)

    revision = latest(submission)
    assert submission.status == Status.OPEN and submission.opened_at is not None
    assert submission.base_version_id == tree and submission.base_leaf_sha256 == ""
    assert revision.number == 1 and revision.kind == "freeform_skill" and revision.signoff == SIGNOFF
    assert revision.attribution_txt.startswith("Title of work: Seedbed test examples")
    assert revision.sha256 == leaf_sha256(revision.qna_yaml, revision.attribution_txt, {})
    checks = dict(revision.checks.values_list("name", "status"))
    assert checks == {"schema": CheckStatus.PASS, "near_duplicates": CheckStatus.PENDING, "pii": CheckStatus.PENDING}
    assert kinds(submission) == [EventKind.OPENED]


def test_update_records_the_base_leaf(tree: int, cast: People) -> None:
    submission = submit(cast.author, action=Action.UPDATE, path=RIDDLES, qna_yaml=skill_qna("riddles", created_by="x"))
    assert submission.base_leaf_sha256 == leaf_at(RIDDLES, tree).sha256  # type: ignore[union-attr]


def test_drafts_are_saved_even_when_invalid_and_open_validates(tree: int, cast: People) -> None:
    draft = submit(cast.author, qna_yaml="version: 3\nseed_examples: [oops", signoff="", attribution=None, draft=True)

    assert draft.status == Status.DRAFT and draft.opened_at is None
    assert latest(draft).qna_yaml == "version: 3\nseed_examples: [oops"
    assert kinds(draft) == [EventKind.DRAFTED]
    with pytest.raises(SubmissionInvalid) as exc:
        submission_open(submission=draft, actor=cast.author)
    assert {"qna_yaml", "signoff", "attribution"} <= set(exc.value.errors)

    revision_create(submission=draft, actor=cast.author, qna_yaml=skill_qna("fables"), attribution_txt=ATTRIBUTION_TXT,
                    signoff=SIGNOFF, draft=True)
    opened = submission_open(submission=draft, actor=cast.author)
    assert opened.status == Status.OPEN and latest(opened).number == 2


def test_full_state_machine_with_changes_requested_and_dismissed_approvals(tree: int, cast: People) -> None:
    second = user_make("second", role="reviewer", area="compositional_skills/writing", required_approvals=2)
    submission = submit(cast.author)

    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES, body="Longer, please.")
    submission.refresh_from_db()
    assert submission.status == Status.CHANGES_REQUESTED

    revision_create(submission=submission, actor=cast.author, qna_yaml=skill_qna("fables", created_by="ada"),
                    attribution=ATTRIBUTION, signoff=SIGNOFF)
    submission.refresh_from_db()
    assert submission.status == Status.OPEN and latest(submission).number == 2

    approve(submission, cast.reviewer)
    assert submission.status == Status.OPEN, "the area needs two approvals"
    approve(submission, second)
    assert submission.status == Status.APPROVED

    revision_create(submission=submission, actor=cast.author, qna_yaml=skill_qna("fables", created_by="ada2"),
                    attribution=ATTRIBUTION, signoff=SIGNOFF)
    submission.refresh_from_db()
    assert submission.status == Status.OPEN
    assert Review.objects.filter(submission=submission, verdict=Verdict.APPROVE, dismissed=False).count() == 0
    assert EventKind.APPROVAL_DISMISSED in kinds(submission)

    approve(submission, cast.reviewer, second)
    checks_settle(submission)
    version = submission_merge(submission=submission, actor=second)
    submission.refresh_from_db()
    assert submission.status == Status.MERGED and submission.merged_version_id == version.number
    assert submission.closed_at is not None
    assert kinds(submission)[-1] == EventKind.MERGED


def test_nobody_reviews_their_own_submission(tree: int, cast: People) -> None:
    submission = submit(cast.maintainer)
    for verdict in (Verdict.APPROVE, Verdict.REQUEST_CHANGES, Verdict.REJECT):
        with pytest.raises(PermissionDenied, match="own submission"):
            review_submit(submission=submission, reviewer=cast.maintainer, verdict=verdict, body="x")
    review_submit(submission=submission, reviewer=cast.maintainer, verdict=Verdict.COMMENT, body="A note to self.")


def test_only_reviewers_of_the_area_give_verdicts_but_anyone_comments(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    for user in (cast.other, cast.outsider):
        with pytest.raises(PermissionDenied, match="not a reviewer"):
            review_submit(submission=submission, reviewer=user, verdict=Verdict.APPROVE)
        review_submit(submission=submission, reviewer=user, verdict=Verdict.COMMENT, body="Nice.")
    assert Review.objects.filter(submission=submission).count() == 2


def test_reject_needs_a_reason_and_closes(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    with pytest.raises(SubmissionInvalid) as exc:
        review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REJECT)
    assert "reason" in exc.value.errors

    review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.REJECT, reason="repetitive")
    submission.refresh_from_db()
    assert submission.status == Status.REJECTED and submission.rejected_reason == "repetitive"
    assert submission.closed_at is not None
    with pytest.raises(InvalidTransition):
        revision_create(submission=submission, actor=cast.author, qna_yaml=skill_qna(), attribution=ATTRIBUTION,
                        signoff=SIGNOFF)


def test_comments_are_anchored_to_lines_and_yaml_paths(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    review = review_submit(
        submission=submission, reviewer=cast.reviewer, verdict=Verdict.REQUEST_CHANGES,
        comments=[{"yaml_path": ".seed_examples[1].answer", "body": "Rework this."}, {"line": 2, "body": "Who?"}],
    )
    anchored = list(review.comments.order_by("pk").values_list("yaml_path", "line"))
    assert anchored[0][0] == ".seed_examples[1].answer" and anchored[0][1] is not None
    assert anchored[1] == ("", 2)

    with pytest.raises(SubmissionInvalid) as exc:
        review_submit(submission=submission, reviewer=cast.reviewer, verdict=Verdict.COMMENT,
                      comments=[{"line": 999, "body": "x"}, {"yaml_path": ".nope[3]", "body": "y"}])
    assert set(exc.value.errors) == {"comments[0].line", "comments[1].yaml_path"}
    with pytest.raises(SubmissionInvalid):
        comment_add(submission=submission, author=cast.other, body="  ")
    comment = comment_add(submission=submission, author=cast.other, body="<b>hi</b>", yaml_path="task_description")
    assert comment.body == "<b>hi</b>" and comment.line == 3


def test_merge_makes_a_version_with_the_contributor_as_author(tree: int, cast: People) -> None:
    submission = ready(cast.author, cast.reviewer, title="Add fables about animals")

    version = submission_merge(submission=submission, actor=cast.reviewer)

    assert version.number == tree + 1 and version.parent_id == tree
    assert version.origin == VersionOrigin.MERGE and version.origin_ref == f"submission:{submission.pk}"
    assert version.author_id == cast.author.pk and version.message == "Add fables about animals"
    assert version.signoff == SIGNOFF and version.author_name == "Ada Lovelace"
    assert version.author_email == "ada@example.org"
    leaf = leaf_at(FRESH, version.number)
    assert leaf is not None and leaf.sha256 == latest(submission).sha256


def test_merge_refused_without_approvals_or_with_pending_checks(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    with pytest.raises(MergeNotAllowed, match="approval"):
        submission_merge(submission=submission, actor=cast.reviewer)
    approve(submission, cast.reviewer)
    with pytest.raises(MergeNotAllowed, match="pending"):
        submission_merge(submission=submission, actor=cast.reviewer)
    for user in (cast.author, cast.other, cast.outsider):
        with pytest.raises(PermissionDenied):
            submission_merge(submission=submission, actor=user)


def test_conflict_then_revision_against_the_new_base_then_merge(tree: int, cast: People) -> None:
    first = ready(cast.author, cast.reviewer, action=Action.UPDATE, path=LIMERICKS,
                  qna_yaml=skill_qna("limericks", created_by="first"))
    second_author = user_make("second_author")
    second = ready(second_author, cast.reviewer, action=Action.UPDATE, path=LIMERICKS,
                   qna_yaml=skill_qna("limericks", created_by="second"))
    merged = submission_merge(submission=first, actor=cast.reviewer)

    with pytest.raises(MergeConflict) as exc:
        submission_merge(submission=second, actor=cast.maintainer)
    changes = exc.value.changes
    assert changes["base_version"] == tree and changes["versions"][0]["number"] == merged.number
    assert changes["current_sha256"] == leaf_at(LIMERICKS, merged.number).sha256  # type: ignore[union-attr]
    assert "-created_by: second" not in changes["diff"] and "+created_by: first" in changes["diff"]
    assert EventKind.MERGE_CONFLICT in kinds(second)
    second.refresh_from_db()
    assert second.status == Status.APPROVED

    revision_create(submission=second, actor=second_author, qna_yaml=skill_qna("limericks", created_by="second"),
                    attribution=ATTRIBUTION, signoff=SIGNOFF)
    second.refresh_from_db()
    assert second.base_version_id == merged.number and second.status == Status.OPEN
    checks_settle(second)
    approve(second, cast.reviewer)
    version = submission_merge(submission=second, actor=cast.reviewer)
    assert version.parent_id == merged.number
    assert "created_by: second" in leaf_at(LIMERICKS, version.number).qna.text  # type: ignore[union-attr]


def test_removal_conflicts_when_the_leaf_is_gone(tree: int, cast: People) -> None:
    removal = ready(cast.author, cast.reviewer, action=Action.REMOVE, path=RIDDLES, qna_yaml="")
    other = ready(cast.other, cast.reviewer, action=Action.REMOVE, path=RIDDLES, qna_yaml="")
    version = submission_merge(submission=removal, actor=cast.reviewer)
    assert leaf_at(RIDDLES, version.number) is None
    with pytest.raises(MergeConflict):
        submission_merge(submission=other, actor=cast.reviewer)


def test_withdraw_by_author_or_maintainer_not_after_merge(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    with pytest.raises(PermissionDenied):
        submission_withdraw(submission=submission, actor=cast.reviewer)
    submission_withdraw(submission=submission, actor=cast.author)
    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN and submission.closed_at is not None
    with pytest.raises(InvalidTransition):
        submission_withdraw(submission=submission, actor=cast.maintainer)

    merged = ready(cast.author, cast.reviewer, path="compositional_skills/writing/odes", qna_yaml=skill_qna("odes"))
    submission_merge(submission=merged, actor=cast.reviewer)
    with pytest.raises(InvalidTransition, match="merged"):
        submission_withdraw(submission=merged, actor=cast.maintainer)


def test_only_the_author_revises(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    with pytest.raises(PermissionDenied, match="Only the author"):
        revision_create(submission=submission, actor=cast.maintainer, qna_yaml=skill_qna(), signoff=SIGNOFF)


def test_knowledge_documents_are_stored_and_checked(tree: int, cast: People) -> None:
    user_make("historian", role="reviewer", area="knowledge")
    submission = submit(cast.author, path="knowledge/history/canals", qna_yaml=knowledge_qna(["canals.md"]))
    assert latest(submission).checks.get(name="documents").status == CheckStatus.FAIL

    document = document_add(submission=submission, actor=cast.author, name="canals.md", data=DOCUMENT,
                            content_type="text/markdown")
    assert document.blob_id == __import__("hashlib").sha256(DOCUMENT).hexdigest()
    revision = latest(submission)
    assert revision.checks.get(name="documents").status == CheckStatus.PASS
    assert revision.sha256 == leaf_sha256(revision.qna_yaml, revision.attribution_txt, {"canals.md": DOCUMENT})

    # a new revision carries the documents along
    revision_create(submission=submission, actor=cast.author, qna_yaml=knowledge_qna(["canals.md"], extra=" Also canals."),
                    attribution=ATTRIBUTION, signoff=SIGNOFF)
    assert list(latest(submission).documents.values_list("name", flat=True)) == ["canals.md"]


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("../x.md", b"# x", "safe document name"),
        ("/etc/x.md", b"# x", "safe document name"),
        ("a/b.md", b"# x", "safe document name"),
        ("..", b"# x", "safe document name"),
        ("notes.pdf", b"# x", "Markdown or plain text"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("latin1.txt", "caf\u00e9".encode("latin-1"), "UTF-8"),
    ],
)
def test_bad_documents_are_refused(tree: int, cast: People, name: str, data: bytes, needle: str) -> None:
    submission = submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())
    with pytest.raises(SubmissionInvalid) as exc:
        document_add(submission=submission, actor=cast.author, name=name, data=data)
    assert needle in exc.value.errors["file"][0]


def test_oversized_document_names_the_limit(tree: int, cast: People, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEEDBED_DOCUMENT_MAX_BYTES = 100
    submission = submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())
    with pytest.raises(SubmissionInvalid, match="at most 100 bytes"):
        document_add(submission=submission, actor=cast.author, name="big.md", data=b"x" * 101)


def test_skills_take_no_documents(tree: int, cast: People) -> None:
    submission = submit(cast.author)
    with pytest.raises(SubmissionInvalid, match="Only knowledge"):
        document_add(submission=submission, actor=cast.author, name="a.md", data=b"# a")
    with pytest.raises(SubmissionInvalid) as exc:
        submit(cast.author, documents=[("a.md", b"# a", "text/markdown")])
    assert "documents" in exc.value.errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"path": "../../etc/passwd"}, "path"),
        ({"path": "/compositional_skills/x"}, "path"),
        ({"path": "compositional_skills/../knowledge/x"}, "path"),
        ({"path": "compositional_skills/a b"}, "path"),
        ({"action": Action.ADD, "path": RIDDLES}, "action"),
        ({"action": Action.UPDATE, "path": "compositional_skills/writing/missing"}, "action"),
        ({"action": Action.REMOVE, "path": "compositional_skills/writing/missing", "qna_yaml": ""}, "action"),
        ({"action": "rename"}, "action"),
        ({"path": "foundational_skills/arithmetic/subtraction"}, "path"),
        ({"signoff": ""}, "signoff"),
        ({"signoff": "Ada <ada@example.org>"}, "signoff"),
        ({"signoff": "Signed-off-by: Ada Lovelace <not-an-email>"}, "signoff"),
        ({"attribution": {**ATTRIBUTION, "license_of_the_work": "Proprietary"}}, "attribution.license_of_the_work"),
        ({"attribution": None, "attribution_txt": ATTRIBUTION_TXT.replace("CC-BY-4.0", "GPL-3.0")},
         "attribution.license_of_the_work"),
        ({"attribution": None}, "attribution"),
        ({"qna_yaml": "version: 3\nseed_examples: [oops\n"}, "qna_yaml"),
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_refused_with_field_errors(tree: int, cast: People, overrides: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(SubmissionInvalid) as exc:
        submit(cast.author, **overrides)
    assert field in exc.value.errors, exc.value.errors


def test_broken_yaml_is_located(tree: int, cast: People) -> None:
    with pytest.raises(SubmissionInvalid) as exc:
        submit(cast.author, qna_yaml="version: 3\ncreated_by: me\nseed_examples:\n  - question: [unclosed\n")
    message = exc.value.errors["qna_yaml"][0]
    assert message["rule"] == "yaml-syntax" and message["line"] >= 4 and message["fix"]


def test_maintainers_may_change_foundational_skills(tree: int, cast: People) -> None:
    submission = submit(cast.maintainer, path="foundational_skills/arithmetic/subtraction", qna_yaml=skill_qna("sums"))
    assert submission.status == Status.OPEN


def test_html_in_free_text_is_stored_verbatim(tree: int, cast: People) -> None:
    script = "<script>alert('x')</script>"
    submission = submit(cast.author, title=script, description=f"<img src=x onerror=alert(1)>{script}")
    submission.refresh_from_db()
    assert submission.title == script and submission.description.endswith(script)


def test_nothing_in_taxonomy_changes_until_merge(tree: int, cast: People) -> None:
    ready(cast.author, cast.reviewer)
    assert TaxonomyVersion.objects.count() == 1
    assert not LeafRevision.objects.filter(node__path=FRESH).exists()
