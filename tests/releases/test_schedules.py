"""The release cadence: a django-celery-beat periodic task per schedule, and the maintainers' schedule page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from contrib.celery import app
from contrib.releases.exceptions import ReleaseInvalid
from contrib.releases.schedules import (
    CUT_TASK,
    crontab_parse,
    release_schedule_delete,
    release_schedule_set,
    release_schedules,
)
from contrib.releases.tasks import release_candidate_cut_task
from contrib.synth.models import Teacher
from tests.releases import test_views as shared
from tests.releases.test_views import client_for

people = shared.people

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(db: None) -> Teacher:
    return Teacher.objects.create(name="scripted", base_url="http://127.0.0.1:9/v1", model="scripted")


def test_the_schedule_names_the_registered_cut_task() -> None:
    assert CUT_TASK == release_candidate_cut_task.name
    app.loader.import_default_modules()
    assert CUT_TASK in app.tasks


def test_setting_a_schedule_creates_a_periodic_task_with_its_crontab_and_kwargs(teacher: Teacher) -> None:
    task = release_schedule_set(name="monthly", crontab="0 3 1 * *", teacher="scripted", scale=2)
    task = PeriodicTask.objects.select_related("crontab").get(pk=task.pk)
    assert task.task == CUT_TASK
    assert json.loads(task.kwargs) == {"teacher": "scripted", "scale": 2}
    assert task.enabled and task.interval is None
    tab = task.crontab
    assert (tab.minute, tab.hour, tab.day_of_month, tab.month_of_year, tab.day_of_week) == ("0", "3", "1", "*", "*")
    assert str(tab.timezone) == "UTC"
    assert release_schedules()[0].crontab == "0 3 1 * *"


def test_setting_it_again_replaces_it(teacher: Teacher) -> None:
    Teacher.objects.create(name="other", base_url="http://127.0.0.1:9/v1", model="m")
    first = release_schedule_set(name="monthly", crontab="0 3 1 * *", teacher="scripted", scale=2)
    second = release_schedule_set(name="monthly", crontab="30 2 * * 1", teacher="other", scale=5, enabled=False)
    assert PeriodicTask.objects.filter(task=CUT_TASK).count() == 1
    assert second.pk == first.pk
    task = PeriodicTask.objects.get(name="monthly")
    assert json.loads(task.kwargs) == {"teacher": "other", "scale": 5}
    assert not task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "2", "1")
    assert CrontabSchedule.objects.count() == 1  # the old crontab, used by nothing else, is gone
    assert release_schedule_delete(name="monthly")
    assert not PeriodicTask.objects.filter(task=CUT_TASK).exists()
    assert not release_schedule_delete(name="monthly")


@pytest.mark.parametrize("expression", ["0 3 1 *", "0 3 1 * * *", "61 * * * *", "* 24 * * *", "* * 0 * *",
                                        "* * * 13 *", "a b c d e", "5-1 * * * *", ""])
def test_an_invalid_crontab_is_a_clear_error(teacher: Teacher, expression: str) -> None:
    with pytest.raises(ReleaseInvalid) as caught:
        release_schedule_set(name="monthly", crontab=expression, teacher="scripted", scale=1)
    (message,) = caught.value.errors["crontab"]
    assert "minute hour day-of-month month day-of-week" in message
    assert not PeriodicTask.objects.exists()


def test_valid_crontabs_parse() -> None:
    assert crontab_parse("*/15 1-5 1,15 * mon-fri") == {
        "minute": "*/15", "hour": "1-5", "day_of_month": "1,15", "month_of_year": "*", "day_of_week": "mon-fri",
    }


def test_an_unknown_teacher_or_bad_scale_is_a_field_error(teacher: Teacher) -> None:
    with pytest.raises(ReleaseInvalid) as caught:
        release_schedule_set(name=" ", crontab="0 3 1 * *", teacher="nobody", scale=0)
    assert set(caught.value.errors) == {"name", "teacher", "scale"}


def test_a_name_of_another_periodic_task_is_refused(teacher: Teacher) -> None:
    tab = CrontabSchedule.objects.create(minute="0", hour="0")
    PeriodicTask.objects.create(name="cleanup", task="celery.backend_cleanup", crontab=tab)
    with pytest.raises(ReleaseInvalid) as caught:
        release_schedule_set(name="cleanup", crontab="0 3 1 * *", teacher="scripted", scale=1)
    assert "name" in caught.value.errors
    assert PeriodicTask.objects.get(name="cleanup").task == "celery.backend_cleanup"


# --- The page. ---

def test_a_maintainer_sets_a_schedule_on_the_page(teacher: Teacher, people: dict[str, Any]) -> None:
    client = client_for(people["maintainer"])
    page = client.get("/releases/schedule/").content.decode()
    assert "celery -A contrib beat -S django_celery_beat.schedulers:DatabaseScheduler" in page
    response = client.post("/releases/schedule/", {
        "name": "monthly", "crontab": "0 3 1 * *", "teacher": "scripted", "scale": "3", "enabled": "on",
    }, follow=True)
    body = response.content.decode()
    assert "Schedule &#x27;monthly&#x27; is set." in body
    assert "<code>0 3 1 * *</code>" in body
    assert json.loads(PeriodicTask.objects.get(name="monthly").kwargs) == {"teacher": "scripted", "scale": 3}
    body = client.post("/releases/schedule/remove/", {"name": "monthly"}, follow=True).content.decode()
    assert "is removed" in body and not PeriodicTask.objects.exists()


def test_an_invalid_crontab_on_the_page_says_how_to_fix_it(teacher: Teacher, people: dict[str, Any]) -> None:
    response = client_for(people["maintainer"]).post("/releases/schedule/", {
        "name": "monthly", "crontab": "every month", "teacher": "scripted", "scale": "3",
    })
    assert response.status_code == 400
    assert "not 5" in response.content.decode()
    assert not PeriodicTask.objects.exists()


def test_only_maintainers_see_the_schedule(people: dict[str, Any]) -> None:
    assert client_for(people["contributor"]).get("/releases/schedule/").status_code == 403
    assert client_for(people["contributor"]).post("/releases/schedule/remove/", {"name": "x"}).status_code == 403
    assert client_for(None).get("/releases/schedule/").status_code == 302
