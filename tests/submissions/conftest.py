"""Fixtures of the submission tests: the test tree and the cast of users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.submissions.factories import People, people_make, tree_make


@pytest.fixture
def tree(db: None) -> int:
    return tree_make().number


@pytest.fixture
def cast(db: None) -> People:
    return people_make()


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    """Hashing passwords slowly is the point in production and a waste of minutes here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks enqueued on commit in this process, for tests that commit but start no worker."""
    from contrib.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
