"""The teacher admin's "test connection" action, against the scripted teacher over real HTTP."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from contrib.synth.models import Teacher
from tests.synth.scripted import run_scripted_teacher

pytestmark = pytest.mark.django_db


def _admin_client() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    return client


def _run_action(client: Client, teacher: Teacher) -> list[str]:
    response = client.post(
        "/admin/synth/teacher/",
        {"action": "test_connection", "_selected_action": [teacher.pk]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_test_connection_reports_a_live_teacher() -> None:
    client = _admin_client()
    with run_scripted_teacher(slots=2) as scripted:
        teacher = Teacher.objects.create(name="live", base_url=scripted.base_url, model="scripted-teacher")
        messages = _run_action(client, teacher)
    assert len(messages) == 1 and messages[0].startswith("live: OK"), messages


def test_test_connection_reports_a_dead_teacher_clearly() -> None:
    client = _admin_client()
    with run_scripted_teacher(slots=2) as scripted:
        base_url = scripted.base_url
    # The teacher is down now: nothing listens on that port any more.
    teacher = Teacher.objects.create(name="dead", base_url=base_url, model="scripted-teacher", timeout=2)
    messages = _run_action(client, teacher)
    assert len(messages) == 1 and messages[0].startswith("dead: "), messages
    assert "OK" not in messages[0]
    assert base_url.split("/v1")[0] in messages[0], "the message should name the teacher's address"
