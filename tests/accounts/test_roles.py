"""Tests of roles: the grant_role command, area ownership (most specific wins) and API tokens."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from contrib.accounts.models import Area, Profile
from contrib.accounts.selectors import (
    area_for,
    can_review,
    is_maintainer,
    owned_prefixes,
    required_approvals_for,
)
from contrib.accounts.services import user_signup

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture
def ada():  # type: ignore[no-untyped-def]
    return user_signup(username="ada", email="ada@example.org", password=PASSWORD)


def grant(*args: str) -> str:
    out = StringIO()
    call_command("grant_role", *args, stdout=out)
    return out.getvalue()


def test_contributor_is_every_signed_in_user(ada) -> None:  # type: ignore[no-untyped-def]
    assert "is now a contributor" in grant("ada", "contributor")
    assert not is_maintainer(ada) and owned_prefixes(ada) == []


def test_reviewer_of_an_area(ada) -> None:  # type: ignore[no-untyped-def]
    out = grant("ada", "reviewer", "--area", "knowledge/science/", "--required-approvals", "2")
    assert "reviewer of knowledge/science (2 approval(s) required)" in out
    area = Area.objects.get(prefix="knowledge/science")
    assert list(area.reviewers.all()) == [ada] and area.required_approvals == 2
    assert can_review(ada, "knowledge/science/birds") and not can_review(ada, "knowledge/history/rome")
    assert required_approvals_for("knowledge/science/birds") == 2 and required_approvals_for("knowledge/x") == 1
    grant("ada", "reviewer", "--area", "compositional_skills")
    assert sorted(owned_prefixes(ada)) == ["compositional_skills", "knowledge/science"]


def test_maintainer(ada) -> None:  # type: ignore[no-untyped-def]
    grant("ada", "maintainer")
    assert Profile.objects.get(user=ada).is_maintainer and is_maintainer(ada)
    assert can_review(ada, "foundational_skills/anything/at_all")
    grant("ada", "maintainer", "--revoke")
    assert not is_maintainer(ada)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("ghost", "maintainer"), "No user named 'ghost'"),
        (("ada", "reviewer"), "--area"),
        (("ada", "reviewer", "--area", "../etc"), "plain directory name"),
        (("ada", "reviewer", "--area", "knowledge", "--required-approvals", "0"), "1 or more"),
    ],
)
def test_grant_role_errors(ada, args: tuple[str, ...], needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match=needle.replace("(", r"\(")):
        grant(*args)


def test_unknown_role_is_refused_by_the_parser(ada) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        grant("ada", "emperor")


def test_most_specific_area_wins(ada) -> None:  # type: ignore[no-untyped-def]
    bob = user_signup(username="bob", email="bob@example.org", password=PASSWORD)
    grant("ada", "reviewer", "--area", "knowledge")
    grant("bob", "reviewer", "--area", "knowledge/science/birds", "--required-approvals", "2")
    path = "knowledge/science/birds/owls"
    assert area_for(path).prefix == "knowledge/science/birds"  # type: ignore[union-attr]
    assert can_review(bob, path) and not can_review(ada, path)
    assert can_review(ada, "knowledge/science/fish") and not can_review(bob, "knowledge/science/fish")
    assert required_approvals_for(path) == 2


def test_token_endpoint(ada) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "ada", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.post("/api/v1/auth/token/", {"username": "ada", "password": PASSWORD}, format="json").json() == {
        "token": token
    }

    bad = client.post("/api/v1/auth/token/", {"username": "ada", "password": "wrong"}, format="json")
    assert bad.status_code == 400 and "non_field_errors" in bad.json()
    assert client.post("/api/v1/auth/token/", {}, format="json").json().keys() >= {"username", "password"}

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/notifications/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/notifications/").status_code == 401
    client.credentials()
    response = client.get("/api/v1/submissions/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
