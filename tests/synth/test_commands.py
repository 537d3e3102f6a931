"""The configure_teacher and generate management commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contrib.synth.choices import RunStatus
from contrib.synth.management.commands.generate import progress_line
from contrib.synth.models import GenerationRun, Teacher
from taxonomy.services import tree_import
from tests.conftest import REPO
from tests.synth.scripted import run_scripted_teacher
from tests.synth.test_models_services import eager  # noqa: F401  (fixture)

STARTER = REPO / "contrib" / "demo" / "starter"


@pytest.mark.django_db
def test_configure_teacher_creates_updates_and_refuses_keys() -> None:
    out = StringIO()
    call_command("configure_teacher", "vllm", "--base-url", "http://gpu:8000/v1", "--model", "m",
                 "--api-key-env", "VLLM_KEY", "--max-concurrency", "32", stdout=out)
    assert "key from $VLLM_KEY" in out.getvalue()
    call_command("configure_teacher", "vllm", "--base-url", "http://gpu:8000/v1", "--model", "m2", stdout=StringIO())
    teacher = Teacher.objects.get(name="vllm")
    assert teacher.model == "m2" and Teacher.objects.count() == 1
    with pytest.raises(CommandError, match="never stores API keys"):
        call_command("configure_teacher", "x", "--base-url", "http://a/v1", "--model", "m", "--api-key", "sk-1")
    with pytest.raises(CommandError, match="not the name of an environment variable"):
        call_command("configure_teacher", "x", "--base-url", "http://a/v1", "--model", "m", "--api-key-env", "sk-1.2")


@pytest.mark.django_db
def test_generate_refuses_unknown_versions_and_teachers() -> None:
    with pytest.raises(CommandError, match="no taxonomy version 7"):
        call_command("generate", "--taxonomy-version", "7", "--teacher", "x", "--scale", "1")
    tree_import(source=str(STARTER))
    with pytest.raises(CommandError, match="configure_teacher"):
        call_command("generate", "--taxonomy-version", "1", "--teacher", "x", "--scale", "1")


@pytest.mark.django_db(transaction=True)
def test_generate_waits_with_a_progress_bar(eager: None, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    tree_import(source=str(STARTER))
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        call_command("configure_teacher", "scripted", "--base-url", handle.base_url, "--model", "scripted-teacher")
        call_command("generate", "--taxonomy-version", "1", "--teacher", "scripted", "--scale", "1", "--wait",
                     "--poll", "0.1")
    captured = capsys.readouterr()
    run = GenerationRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert f"[{'#' * 30}] {run.requests_done}/{run.requests_done} requests" in captured.err
    assert "succeeded" in captured.out


@pytest.mark.django_db(transaction=True)
def test_generate_exits_1_when_the_run_fails(eager: None, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.SEEDBED_TEACHER_MAX_RETRIES = 1
    tree_import(source=str(STARTER))
    with run_scripted_teacher(fail_all=True) as handle:
        call_command("configure_teacher", "down", "--base-url", handle.base_url, "--model", "scripted-teacher")
        with pytest.raises(CommandError, match="failed"):
            call_command("generate", "--taxonomy-version", "1", "--teacher", "down", "--scale", "1", "--wait",
                         "--poll", "0.1")


def test_progress_line_shows_a_bar_and_eta() -> None:
    line = progress_line({"requests_total": 10, "requests_done": 5, "samples_kept": 3, "samples_filtered": 1,
                          "tokens_in": 100, "tokens_out": 50, "status": "running", "eta_seconds": 12.0})
    assert line.startswith("[" + "#" * 15 + "." * 15 + "] 5/10 requests") and "eta 12s" in line
