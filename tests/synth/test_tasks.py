"""Generation runs on a real Celery worker over Redis and PostgreSQL, against the scripted teacher over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count

from contrib.synth.choices import FilterReason, JobStatus, RunStatus
from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.pipelines import knowledge_chunks
from contrib.synth.services import generation_run_cancel, generation_run_create, teacher_configure
from taxonomy.models import TaxonomyVersion
from taxonomy.services import tree_import
from tests.conftest import REPO, wait_for
from tests.synth.scripted import ScriptedTeacherHandle, run_scripted_teacher
from tests.workers import private_queue, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STARTER = REPO / "contrib" / "demo" / "starter"
HAIKU = "compositional_skills/writing/freeform/haiku"
ANTONYMS = "compositional_skills/linguistics/antonyms"
ACTIONS = "compositional_skills/grounded/extraction/action_items"
COMPOST = "knowledge/gardening/composting"
SCALE = 2
SEEDS = 5  # every starter leaf has five seed examples

# Markers the scripted teacher acts on, planted in one seed example of each leaf. A generation stage
# copies a marker into its first item only, so each plant filters a known number of samples.
PLANTS = {
    # the first generated question of that seed fails the question judge: 1 sample
    HAIKU: ("Write a haiku about the first frost of autumn.", " [[reject:judge_question]]"),
    # the question generation of that seed answers non-JSON: its SCALE samples are malformed
    ANTONYMS: ('What is an antonym of "ancient"?', " [[malformed:generate_questions]]"),
    # the first generated context of that seed carries it into its question: 1 sample
    ACTIONS: ("Book club notes. We finished chapter nine.", " [[reject:judge_question]]"),
    # the first pair made from that seed's style fails the knowledge judge, once per chunk
    COMPOST: ('What are "greens" in a compost heap?', " [[reject]]"),
}


def starter_copy(root: Path, *, haiku_theme: str | None = None) -> Path:
    """The starter taxonomy with the markers planted (and, optionally, one haiku question changed)."""
    target = root / f"starter-{uuid.uuid4().hex[:6]}"
    shutil.copytree(STARTER, target)
    for path, (anchor, marker) in PLANTS.items():
        qna = target / path / "qna.yaml"
        text = qna.read_text()
        assert anchor in text, anchor
        qna.write_text(text.replace(anchor, anchor + marker, 1))
    if haiku_theme:
        qna = target / HAIKU / "qna.yaml"
        qna.write_text(qna.read_text().replace("a cat asleep in the sun", haiku_theme))
    return target


def chunks_of_compost() -> int:
    import yaml

    data = yaml.safe_load((STARTER / COMPOST / "qna.yaml").read_text())
    return len(knowledge_chunks(data, [(STARTER / COMPOST / "composting.md").read_text()]))


def expected() -> dict[str, dict[str, Any]]:
    """Samples per leaf (kept + filtered) and the filter reasons the plants cause, at SCALE."""
    chunks = chunks_of_compost()
    return {
        HAIKU: {"total": SEEDS * SCALE, "filtered": {FilterReason.QUESTION_REJECTED: 1}},
        ANTONYMS: {"total": SEEDS * SCALE, "filtered": {FilterReason.MALFORMED_OUTPUT: SCALE}},
        ACTIONS: {"total": SEEDS * SCALE, "filtered": {FilterReason.QUESTION_REJECTED: 1}},
        COMPOST: {"total": chunks * SEEDS * SCALE, "filtered": {FilterReason.KNOWLEDGE_REJECTED: chunks}},
    }


def import_starter(root: Path, **kwargs: Any) -> TaxonomyVersion:
    result = tree_import(source=str(starter_copy(root, **kwargs)), message="starter")
    assert result.ok and result.version is not None, result.to_dict()
    return result.version


def teacher_for(handle: ScriptedTeacherHandle, **overrides: Any) -> Teacher:
    values: dict[str, Any] = {"name": "scripted", "base_url": handle.base_url, "model": "scripted-teacher",
                              "max_concurrency": 8, "timeout": 5}
    values.update(overrides)
    return teacher_configure(**values)


def finished(run: GenerationRun, timeout: float = 30.0) -> GenerationRun:
    def done() -> GenerationRun | None:
        run.refresh_from_db()
        return run if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED) else None

    result = wait_for(done, timeout=timeout)
    assert result is not None, f"run {run.pk} still {run.status} after {timeout}s: {run.requests_done} requests"
    return result


def assert_expected_samples(run: GenerationRun) -> None:
    assert run.status == RunStatus.SUCCEEDED, run.error
    want = expected()
    by_leaf = Counter(Sample.objects.filter(run=run).values_list("leaf_path", flat=True))
    assert by_leaf == {path: w["total"] for path, w in want.items()}
    for path, w in want.items():
        reasons = Counter(Sample.objects.filter(run=run, leaf_path=path, kept=False).values_list("filter_reason", flat=True))
        assert reasons == {str(k): v for k, v in w["filtered"].items()}, path
    filtered = sum(sum(w["filtered"].values()) for w in want.values())
    total = sum(w["total"] for w in want.values())
    assert (run.samples_kept, run.samples_filtered) == (total - filtered, filtered)
    reasons: Counter[str] = Counter()
    for w in want.values():
        reasons.update({str(k): v for k, v in w["filtered"].items()})
    assert run.filtered_by_reason == dict(reasons)
    # One row per (leaf, index), each key once.
    assert not Sample.objects.filter(run=run).values("leaf_path", "index").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert Sample.objects.filter(run=run).values("idempotency_key").distinct().count() == total


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings the worker process reads from the environment; tests change them before starting it."""
    env = {"SEEDBED_TEACHER_MAX_RETRIES": "3", "LOG_LEVEL": "INFO"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_run_over_the_starter_taxonomy(tmp_path: Path, worker_env: dict[str, str], request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("celery_worker_process")
    version = import_starter(tmp_path)
    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0.0) as handle:
        run = generation_run_create(teacher=teacher_for(handle), scale=SCALE, seed=7, taxonomy_version=version)
        run = finished(run)
        stats = handle.stats()
    assert_expected_samples(run)
    assert run.requests_done == stats["completed"] == run.requests_total
    assert run.tokens_in > 0 and run.tokens_out > 0
    assert set(LeafJob.objects.filter(run=run).values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
    sample = Sample.objects.filter(run=run, leaf_path=HAIKU, kept=True).first()
    assert sample is not None and sample.question and sample.answer
    assert (sample.pipeline, sample.pipeline_version) == ("freeform_skills", "1")
    assert (sample.teacher_name, sample.teacher_model) == ("scripted", "scripted-teacher")
    assert sample.judge_scores["question"] >= 3 and sample.judge_scores["answer"] >= 3
    assert sample.leaf_sha256 == sample.leaf_revision.sha256
    assert run.pipelines == {"freeform_skills": "1", "grounded_skills": "1", "knowledge": "1"}
    grounded = Sample.objects.filter(run=run, leaf_path=ACTIONS, kept=True).first()
    assert grounded is not None and grounded.context
    knowledge = Sample.objects.filter(run=run, leaf_path=COMPOST, kept=True).first()
    assert knowledge is not None and set(knowledge.judge_scores) == {"faithfulness", "relevancy", "question_quality"}


def test_teacher_faults_are_retried_and_the_run_completes(
    tmp_path: Path, worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("SEEDBED_TEACHER_MAX_RETRIES", "10")
    request.getfixturevalue("celery_worker_process")
    version = import_starter(tmp_path)
    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0.0, error_rate=0.25,
                              faults=("429", "500", "timeout"), timeout_hold=3.0) as handle:
        run = generation_run_create(teacher=teacher_for(handle, timeout=0.5), scale=SCALE, seed=7,
                                    taxonomy_version=version)
        run = finished(run, timeout=60)
        stats = handle.stats()
    assert stats["errors_injected_total"] > 0 and set(stats["errors_injected"]) >= {"429", "500"}
    assert_expected_samples(run)


def test_a_teacher_that_is_down_fails_the_run_with_a_clear_error(
    tmp_path: Path, worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("SEEDBED_TEACHER_MAX_RETRIES", "2")
    request.getfixturevalue("celery_worker_process")
    version = import_starter(tmp_path)
    with run_scripted_teacher(fail_all=True) as handle:
        run = generation_run_create(teacher=teacher_for(handle), scale=1, taxonomy_version=version)
        run = finished(run)
        stats = handle.stats()
    assert run.status == RunStatus.FAILED
    assert "gave no answer after 3 attempt" in run.error, run.error
    assert "scripted" in run.error
    assert run.samples_kept == 0 and not Sample.objects.filter(run=run).exists()
    # Bounded: a handful of attempts per request in flight, not an endless loop.
    assert stats["requests"] <= 3 * 4 * 8


def test_cancel_stops_further_requests_promptly(
    tmp_path: Path, worker_env: dict[str, str], request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("celery_worker_process")
    version = import_starter(tmp_path)
    with run_scripted_teacher(latency=0.2, slots=2, judge_fail_rate=0.0) as handle:
        run = generation_run_create(teacher=teacher_for(handle, max_concurrency=2), scale=3,
                                    taxonomy_version=version)
        assert wait_for(lambda: handle.stats()["completed"] >= 4, timeout=20)
        generation_run_cancel(run=run, actor=None)
        time.sleep(1.0)  # requests already in flight may still land
        before = handle.stats()["requests"]
        time.sleep(1.5)
        after = handle.stats()["requests"]
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert after == before, "no request is sent after the cancel has been seen"
    assert run.requests_done < run.requests_total
    assert wait_for(lambda: not LeafJob.objects.filter(run=run, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists(),
                    timeout=10)


def test_an_incremental_run_calls_the_teacher_only_for_the_changed_leaf(
    tmp_path: Path, worker_env: dict[str, str], request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("celery_worker_process")
    first_version = import_starter(tmp_path)
    with run_scripted_teacher(latency=0.01, slots=16, judge_fail_rate=0.0) as handle:
        teacher = teacher_for(handle)
        first = finished(generation_run_create(teacher=teacher, scale=SCALE, seed=3, taxonomy_version=first_version))
        assert first.status == RunStatus.SUCCEEDED
        second_version = import_starter(tmp_path, haiku_theme="a lighthouse in fog")
        assert second_version.number == first_version.number + 1
        handle.reset_stats()
        second = finished(generation_run_create(teacher=teacher, scale=SCALE, seed=3, taxonomy_version=second_version,
                                                incremental_from=first))
        stats = handle.stats()
    assert_expected_samples(second)
    jobs = {j.path: j for j in LeafJob.objects.filter(run=second)}
    assert jobs[HAIKU].status == JobStatus.SUCCEEDED and jobs[HAIKU].reused_from_id is None
    for path in (ANTONYMS, ACTIONS, COMPOST):
        assert jobs[path].status == JobStatus.REUSED and jobs[path].reused_from_id == first.pk
    # Only the haiku leaf's freeform stages reached the teacher, as many requests as that leaf needs.
    assert set(stats["by_stage"]) == {"generate_questions", "judge_question", "generate_answer", "judge_answer"}
    assert stats["completed"] == second.requests_done == jobs[HAIKU].requests_done
    assert jobs[HAIKU].requests_done == LeafJob.objects.get(run=first, path=HAIKU).requests_done
    reused = Sample.objects.filter(run=second, reused=True)
    assert set(reused.values_list("leaf_path", flat=True)) == {ANTONYMS, ACTIONS, COMPOST}
    assert list(Sample.objects.filter(run=second, leaf_path=COMPOST).order_by("index").values_list("question", flat=True)) \
        == list(Sample.objects.filter(run=first, leaf_path=COMPOST).order_by("index").values_list("question", flat=True))


# ---------------------------------------------------------------------------------------------- SIGKILL




@pytest.fixture
def own_workers(redis_url: str, transactional_db: None, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A private queue and the environment of workers this test starts, kills and replaces."""
    # A killed worker's unacknowledged task comes back after 2 s instead of an hour.
    with private_queue(redis_url, tmp_path, CELERY_VISIBILITY_TIMEOUT="2", SEEDBED_TEACHER_MAX_RETRIES="3") as workers:
        yield workers


def test_a_killed_worker_is_replaced_and_the_run_completes_exactly(tmp_path: Path, own_workers: dict[str, Any]) -> None:
    version = import_starter(tmp_path)
    first = worker_start(own_workers["queue"], tmp_path / "worker-1.log", own_workers["env"])
    own_workers["procs"].append(first)
    # The server's 2 slots keep the run slow; the client's 32 leave room beside the Redis semaphore leases
    # the killed worker still holds until they lapse (timeout + 30 s).
    with run_scripted_teacher(latency=0.05, slots=2, judge_fail_rate=0.0) as handle:
        run = generation_run_create(teacher=teacher_for(handle, max_concurrency=32), scale=SCALE, seed=7,
                                    taxonomy_version=version)
        assert wait_for(lambda: Sample.objects.filter(run=run).count() >= 4, timeout=20)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        stored = Sample.objects.filter(run=run).count()
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and stored < 50
        second = worker_start(own_workers["queue"], tmp_path / "worker-2.log", own_workers["env"])
        own_workers["procs"].append(second)
        run = finished(run, timeout=40)
    assert_expected_samples(run)
