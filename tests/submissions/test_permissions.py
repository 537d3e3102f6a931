"""The permission matrix: every API endpoint against every kind of user, with the expected status code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from contrib.submissions import permissions
from contrib.submissions.choices import Action
from contrib.submissions.models import Submission
from tests.submissions.factories import (
    ATTRIBUTION,
    DOCUMENT,
    LIGHTHOUSES,
    PASSWORD,
    SIGNOFF,
    People,
    api,
    knowledge_qna,
    payload,
    ready,
    skill_qna,
    submit,
    user_make,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "author", "other", "reviewer", "outsider", "maintainer")


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    data: Any = None
    format: str = "json"


def _open(cast: People) -> Submission:
    return submit(cast.author)


def _draft(cast: People) -> Submission:
    return submit(cast.author, draft=True)


def _knowledge(cast: People) -> Submission:
    return submit(cast.author, action=Action.UPDATE, path=LIGHTHOUSES, qna_yaml=knowledge_qna())


def _approved(cast: People) -> Submission:
    return ready(cast.author, user_make("approver", role="reviewer", area="compositional_skills/writing"))


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("lighthouses.md", DOCUMENT, content_type="text/markdown")}


Scenario = Callable[[People], Call]

SCENARIOS: dict[str, Scenario] = {
    "token": lambda cast: Call("post", "/api/v1/auth/token/"),
    "list": lambda cast: Call("get", "/api/v1/submissions/"),
    "create": lambda cast: Call("post", "/api/v1/submissions/", payload()),
    "detail": lambda cast: Call("get", f"/api/v1/submissions/{_open(cast).pk}/"),
    "detail-draft": lambda cast: Call("get", f"/api/v1/submissions/{_draft(cast).pk}/"),
    "revise": lambda cast: Call(
        "post", f"/api/v1/submissions/{_open(cast).pk}/revisions/",
        {"qna_yaml": skill_qna("fables", created_by="v2"), "attribution": ATTRIBUTION, "signoff": SIGNOFF},
    ),
    "document": lambda cast: Call("post", f"/api/v1/submissions/{_knowledge(cast).pk}/documents/", _upload(), "multipart"),
    "approve": lambda cast: Call("post", f"/api/v1/submissions/{_open(cast).pk}/reviews/", {"verdict": "approve"}),
    "reject": lambda cast: Call(
        "post", f"/api/v1/submissions/{_open(cast).pk}/reviews/", {"verdict": "reject", "reason": "repetitive"}
    ),
    "review-comment": lambda cast: Call(
        "post", f"/api/v1/submissions/{_open(cast).pk}/reviews/", {"verdict": "comment", "body": "Nice."}
    ),
    "comment": lambda cast: Call("post", f"/api/v1/submissions/{_open(cast).pk}/comments/", {"body": "Nice.", "line": 1}),
    "comment-draft": lambda cast: Call("post", f"/api/v1/submissions/{_draft(cast).pk}/comments/", {"body": "Hm."}),
    "merge": lambda cast: Call("post", f"/api/v1/submissions/{_approved(cast).pk}/merge/"),
    "withdraw": lambda cast: Call("post", f"/api/v1/submissions/{_open(cast).pk}/withdraw/"),
    "open": lambda cast: Call("post", f"/api/v1/submissions/{_draft(cast).pk}/open/"),
    "notifications": lambda cast: Call("get", "/api/v1/notifications/"),
    "notifications-read": lambda cast: Call("post", "/api/v1/notifications/read/", {}),
}

# endpoint:            anonymous author other reviewer outsider maintainer
MATRIX: dict[str, tuple[int, int, int, int, int, int]] = {
    "token":              (400, 200, 200, 200, 200, 200),
    "list":               (401, 200, 200, 200, 200, 200),
    "create":             (401, 201, 201, 201, 201, 201),
    "detail":             (401, 200, 200, 200, 200, 200),
    "detail-draft":       (401, 200, 404, 404, 404, 200),
    "revise":             (401, 201, 403, 403, 403, 403),
    "document":           (401, 201, 403, 403, 403, 403),
    "approve":            (401, 403, 403, 201, 403, 201),
    "reject":             (401, 403, 403, 201, 403, 201),
    "review-comment":     (401, 201, 201, 201, 201, 201),
    "comment":            (401, 201, 201, 201, 201, 201),
    # a draft is private; its author may not comment on it either (drafts are not reviewed)
    "comment-draft":      (401, 409, 404, 404, 404, 409),
    "merge":              (401, 403, 403, 200, 403, 200),
    "withdraw":           (401, 200, 403, 403, 403, 200),
    "open":               (401, 200, 404, 404, 404, 403),
    "notifications":      (401, 200, 200, 200, 200, 200),
    "notifications-read": (401, 200, 200, 200, 200, 200),
}

CASES = [
    pytest.param(endpoint, role, expected, id=f"{endpoint}-{role}-{expected}")
    for endpoint, row in MATRIX.items()
    for role, expected in zip(ROLES, row)
]


def test_the_matrix_covers_every_api_route(tree: int, cast: People) -> None:
    from django.urls import resolve

    from contrib.accounts.api.urls import urlpatterns as account_routes
    from contrib.submissions.api.urls import urlpatterns as submission_routes

    assert set(MATRIX) == set(SCENARIOS)
    exercised = {resolve(SCENARIOS[endpoint](cast).url).url_name for endpoint in MATRIX}
    assert exercised == {route.name for route in [*submission_routes, *account_routes]}


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_permission_matrix(tree: int, cast: People, endpoint: str, role: str, expected: int) -> None:
    call = SCENARIOS[endpoint](cast)
    user = cast[role]
    client = api(user)
    data = call.data
    if endpoint == "token":
        data = {"username": user.username if user else "nobody", "password": PASSWORD}
        client = api(None)
    response = getattr(client, call.method)(call.url, data=data, format=call.format)
    assert response.status_code == expected, response.content[:500]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("role", ROLES)
def test_permission_booleans_agree_with_the_matrix(tree: int, cast: People, role: str) -> None:
    user = cast[role]
    from django.contrib.auth.models import AnonymousUser

    user = user or AnonymousUser()
    submission = _open(cast)
    draft = _draft(cast)
    expected_review = MATRIX["approve"][ROLES.index(role)] == 201
    assert permissions.can_review(user, submission) is expected_review
    assert permissions.can_revise(user, submission) is (MATRIX["revise"][ROLES.index(role)] == 201)
    assert permissions.can_withdraw(user, submission) is (MATRIX["withdraw"][ROLES.index(role)] == 200)
    assert permissions.can_view(user, draft) is (MATRIX["detail-draft"][ROLES.index(role)] == 200)
    assert permissions.can_merge(user, submission) is (MATRIX["merge"][ROLES.index(role)] == 200)
