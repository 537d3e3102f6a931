"""Builders for submission tests: users with roles, a small tree made by the real services, valid qna.yaml texts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from contrib.accounts.services import role_grant, user_signup
from contrib.submissions.choices import Action, Verdict
from contrib.submissions.models import Revision, Submission
from contrib.submissions.services import review_submit, submission_create
from contrib.submissions.tasks import revision_checks_run
from taxonomy.choices import LeafKind, VersionOrigin
from taxonomy.models import TaxonomyVersion
from taxonomy.services import LeafContent, version_create

PASSWORD = "correct-horse-battery-staple-9"
SIGNOFF = "Signed-off-by: Ada Lovelace <ada@example.org>"
ATTRIBUTION = {
    "title_of_work": "Seedbed test examples",
    "link_to_work": "https://example.org/seedbed/tests",
    "revision": "main",
    "license_of_the_work": "CC-BY-4.0",
    "creator_names": "Seedbed test authors",
}
ATTRIBUTION_TXT = (
    "Title of work: Seedbed test examples\n"
    "Link to work: https://example.org/seedbed/tests\n"
    "Revision: main\n"
    "License of the work: CC-BY-4.0\n"
    "Creator names: Seedbed test authors\n"
)

SKILLS_AREA = "compositional_skills/writing"
OTHER_AREA = "compositional_skills/linguistics"
RIDDLES = "compositional_skills/writing/riddles"  # a leaf in the tree
LIMERICKS = "compositional_skills/writing/limericks"  # a leaf in the tree
FRESH = "compositional_skills/writing/fables"  # free
RHYMES = "compositional_skills/linguistics/rhymes"  # a leaf, in the other area
LIGHTHOUSES = "knowledge/history/lighthouses"  # a knowledge leaf
FOUNDATIONAL = "foundational_skills/arithmetic/addition"

# Five distinct subjects per topic, so unrelated leaves are never near-duplicates of each other.
SUBJECTS = {
    "riddles": ["a candle", "an echo", "a shadow", "a river", "a key"],
    "limericks": ["a cat from Peru", "a baker in Bath", "a tortoise", "a violinist", "a sailor"],
    "rhymes": ["orange", "silver", "month", "purple", "window"],
    "fables": ["a patient ant", "a boastful hare", "a clever crow", "a lazy grasshopper", "a loyal dog"],
    "addition": ["two and three", "seven and eight", "ten and twelve", "nine and six", "four and four"],
}


def skill_qna(topic: str = "fables", *, subjects: Iterable[str] | None = None, created_by: str = "seedbed-tester") -> str:
    """A valid version 3 freeform skill with five seed examples about ``topic``."""
    items = list(subjects) if subjects is not None else SUBJECTS.get(topic, [f"{topic} {n}" for n in range(5)])
    lines = [
        "version: 3",
        f"created_by: {created_by}",
        f"task_description: Write short {topic} on the subject given in the question.",
        "seed_examples:",
    ]
    for n, subject in enumerate(items):
        lines += [
            f"  - question: Write one of the {topic} about {subject}.",
            "    answer: |",
            f"      Here is a piece about {subject}, number {n + 1}.",
            f"      It is written for {topic}, and it ends on a line about {subject}.",
        ]
    return "\n".join(lines) + "\n"


def knowledge_qna(patterns: Iterable[str] = ("lighthouses.md",), *, extra: str = "") -> str:
    """A valid version 3 knowledge leaf: five contexts with three questions each, and a document section."""
    topics = [
        ("The Pharos of Alexandria was one of the Seven Wonders of the ancient world.", "pharos"),
        ("Fresnel lenses let lighthouses project light much farther with less fuel.", "fresnel"),
        ("Keepers trimmed the wicks of oil lamps through the night.", "keepers"),
        ("Many lighthouses were automated during the twentieth century.", "automation"),
        ("Each lighthouse has a distinct light pattern called its characteristic.", "characteristic"),
    ]
    lines = [
        "version: 3",
        "created_by: seedbed-tester",
        "domain: History",
        f"document_outline: A short history of lighthouses and their keepers.{extra}",
        "seed_examples:",
    ]
    for context, word in topics:
        lines += [f"  - context: {context}", "    questions_and_answers:"]
        for n in range(1, 4):
            lines += [f"      - question: Question {n} about {word}?", f"        answer: Answer {n} about {word}."]
    lines += [
        "document:",
        "  repo: https://example.org/lighthouse-notes.git",
        "  commit: 0123456789abcdef0123456789abcdef01234567",
        "  patterns:",
        *[f'    - "{p}"' for p in patterns],
    ]
    return "\n".join(lines) + "\n"


DOCUMENT = b"# Lighthouses\n\nThe Pharos of Alexandria stood for centuries.\n"


def _leaf(path: str, qna: str, documents: dict[str, bytes] | None = None) -> LeafContent:
    data = yaml.safe_load(qna)
    kind = LeafKind.KNOWLEDGE if path.startswith("knowledge/") else LeafKind.FREEFORM_SKILL
    return LeafContent(
        path=path, qna=qna.encode(), attribution=ATTRIBUTION_TXT.encode(), kind=kind.value,
        schema_version=3, data=data, documents=documents or {},
    )


def tree_make() -> TaxonomyVersion:
    """Version 1: two leaves in the writing area, one in linguistics, a knowledge leaf and a foundational skill."""
    result = version_create(
        changes=[
            _leaf(RIDDLES, skill_qna("riddles")),
            _leaf(LIMERICKS, skill_qna("limericks")),
            _leaf(RHYMES, skill_qna("rhymes")),
            _leaf(LIGHTHOUSES, knowledge_qna(), {"lighthouses.md": DOCUMENT}),
            _leaf(FOUNDATIONAL, skill_qna("addition")),
        ],
        message="Import the test tree",
        origin=VersionOrigin.IMPORT,
        origin_ref="tests",
    )
    assert result.version is not None
    return result.version


def user_make(
    username: str, *, role: str | None = None, area: str | None = None, required_approvals: int | None = None,
    notify_by_email: bool = True,
) -> AbstractBaseUser:
    """A signed-up user (with a profile) holding ``role`` (reviewer of ``area``, or maintainer)."""
    user = user_signup(username=username, email=f"{username}@example.org", password=PASSWORD)
    if role:
        role_grant(user=user, role=role, area=area, required_approvals=required_approvals)
    if not notify_by_email:
        user.profile.notify_by_email = False  # type: ignore[attr-defined]
        user.profile.save(update_fields=["notify_by_email"])  # type: ignore[attr-defined]
    return get_user_model().objects.get(pk=user.pk)


@dataclass
class People:
    """The cast of the permission matrix."""

    author: Any
    other: Any
    reviewer: Any
    outsider: Any
    maintainer: Any

    def __getitem__(self, name: str) -> Any:
        return None if name == "anonymous" else getattr(self, name)


def people_make() -> People:
    """An author, another contributor, a reviewer of the writing area, a reviewer of linguistics, a maintainer."""
    return People(
        author=user_make("author"),
        other=user_make("other"),
        reviewer=user_make("reviewer", role="reviewer", area=SKILLS_AREA),
        outsider=user_make("outsider", role="reviewer", area=OTHER_AREA),
        maintainer=user_make("maintainer", role="maintainer"),
    )


def submit(author: Any, **overrides: Any) -> Submission:
    """A valid open submission adding a fable leaf, unless ``overrides`` say otherwise."""
    values: dict[str, Any] = {
        "title": "Add fables",
        "description": "Five short fables.",
        "action": Action.ADD,
        "path": FRESH,
        "qna_yaml": skill_qna("fables"),
        "attribution": dict(ATTRIBUTION),
        "signoff": SIGNOFF,
    }
    values.update(overrides)
    return submission_create(author=author, **values)


def checks_settle(submission: Submission) -> None:
    """Run the slow checks of the latest revision here and now, as the worker would."""
    submission.refresh_from_db()
    revision_checks_run(submission.latest_revision_id)


def approve(submission: Submission, *reviewers: Any) -> Submission:
    for reviewer in reviewers:
        review_submit(submission=submission, reviewer=reviewer, verdict=Verdict.APPROVE, body="Looks good.")
    submission.refresh_from_db()
    return submission


def ready(author: Any, reviewer: Any, **overrides: Any) -> Submission:
    """An approved submission with settled checks, ready to merge."""
    submission = submit(author, **overrides)
    checks_settle(submission)
    return approve(submission, reviewer)


def latest(submission: Submission) -> Revision:
    submission.refresh_from_db()
    assert submission.latest_revision is not None
    return submission.latest_revision


def api(user: Any = None) -> Any:
    """An API client authenticated with ``user``'s token (anonymous when None)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/submissions/ body adding a fable leaf."""
    body: dict[str, Any] = {
        "title": "Add fables",
        "description": "Five short fables.",
        "action": "add",
        "path": FRESH,
        "qna_yaml": skill_qna("fables"),
        "attribution": dict(ATTRIBUTION),
        "signoff": SIGNOFF,
    }
    body.update(overrides)
    return body
