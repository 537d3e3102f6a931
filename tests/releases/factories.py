"""Builders for release tests: the starter taxonomy plus a merged submission, real generation runs, planted samples."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from contrib.accounts.choices import CreditConsent
from contrib.submissions.models import Submission
from contrib.submissions.services import submission_merge
from contrib.synth import execution
from contrib.synth.choices import JobStatus, RunScope, RunStatus
from contrib.synth.models import GenerationRun, LeafJob, Sample, Teacher
from contrib.synth.services import generation_run_create, teacher_configure
from taxonomy.models import LeafRevision, TaxonomyVersion
from taxonomy.services import tree_import
from tests.conftest import REPO
from tests.submissions.factories import FRESH, SKILLS_AREA, ready, user_make

STARTER = REPO / "contrib" / "demo" / "starter"
HAIKU = "compositional_skills/writing/freeform/haiku"
ANTONYMS = "compositional_skills/linguistics/antonyms"
COMPOST = "knowledge/gardening/composting"
MERGED = FRESH  # compositional_skills/writing/fables, added by the merged submission


@dataclass
class World:
    """A taxonomy (the starter tree, then a merged submission) and who made it."""

    imported: TaxonomyVersion
    version: TaxonomyVersion
    submission: Submission
    author: Any
    reviewer: Any


def world_make(*, author_named: bool = True) -> World:
    """Version 1: the starter tree imported; version 2: a fables leaf merged from an author's submission."""
    result = tree_import(source=str(STARTER), message="starter")
    assert result.ok and result.version is not None, result.to_dict()
    author = user_make("fable-author")
    profile = author.profile  # type: ignore[attr-defined]
    profile.display_name = "Aesop Writer"
    profile.credit_consent = CreditConsent.NAMED if author_named else CreditConsent.PSEUDONYMOUS
    profile.save()
    reviewer = user_make("writing-reviewer", role="reviewer", area=SKILLS_AREA)
    submission = ready(author, reviewer)
    version = submission_merge(submission=submission, actor=reviewer)
    submission.refresh_from_db()
    return World(imported=result.version, version=version, submission=submission, author=author, reviewer=reviewer)


def scripted_run(version: TaxonomyVersion, base_url: str, *, scale: int = 1, seed: int = 7) -> GenerationRun:
    """A real generation run of every leaf at ``version`` through the scripted teacher, executed in this process."""
    teacher = teacher_configure(name="scripted", base_url=base_url, model="scripted-teacher", max_concurrency=8, timeout=5)
    run = generation_run_create(teacher=teacher, scale=scale, seed=seed, taxonomy_version=version)
    for job_id in execution.run_start(run.pk):
        execution.leaf_run(run.pk, job_id)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def planted_run(version: TaxonomyVersion, rows: dict[str, list[tuple[str, str]]], *, teacher_model: str = "planted",
                context: str = "") -> GenerationRun:
    """A succeeded run whose kept samples are exactly ``rows`` (leaf path -> [(question, answer)]): fast, for builds."""
    teacher, _ = Teacher.objects.get_or_create(name="planted", defaults={"base_url": "http://127.0.0.1:9/v1",
                                                                          "model": teacher_model})
    run = GenerationRun.objects.create(scope=RunScope.TAXONOMY, taxonomy_version=version, teacher=teacher, scale=1,
                                       status=RunStatus.SUCCEEDED, pipelines={"freeform_skills": "1"},
                                       finished_at=timezone.now())
    live = {r.node.path: r for r in LeafRevision.objects.live_at(version.number).select_related("node")}
    samples = []
    for path, pairs in rows.items():
        leaf = live[path]
        job = LeafJob.objects.create(run=run, leaf_revision=leaf, path=path, kind=leaf.kind, leaf_sha256=leaf.sha256,
                                     status=JobStatus.SUCCEEDED)
        for index, (question, answer) in enumerate(pairs):
            samples.append(Sample(
                run=run, leaf_job=job, leaf_revision=leaf, leaf_path=path, leaf_sha256=leaf.sha256,
                idempotency_key=f"{run.pk}:{leaf.sha256}:generate_answer:{index}", stage="generate_answer",
                index=index, pipeline="freeform_skills", pipeline_version="1", teacher_name="planted",
                teacher_model=teacher_model, question=question, answer=answer, context=context, kept=True,
                fingerprint=hashlib.sha256(f"{question}\n{answer}".encode()).hexdigest(),
            ))
    Sample.objects.bulk_create(samples)
    run.samples_kept = len(samples)
    run.save(update_fields=["samples_kept"])
    return run


DISTINCT_TOPICS = [
    "the migration routes of arctic terns across hemispheres",
    "how sourdough starters ferment flour and water",
    "the rules of chess castling and en passant",
    "why volcanic soil is fertile for vineyards",
    "the history of movable type printing in Korea",
    "how lighthouses use Fresnel lenses to focus beams",
    "the lifecycle of monarch butterflies and milkweed",
    "what makes a suspension bridge stable in wind",
]


def distinct_pairs(prefix: str, n: int) -> list[tuple[str, str]]:
    """``n`` question/answer pairs that are far from each other (and from any other prefix's)."""
    out = []
    for i in range(n):
        topic = DISTINCT_TOPICS[i % len(DISTINCT_TOPICS)]
        out.append((f"{prefix} question {i}: explain {topic} in plain words for a curious reader number {i * 7919}?",
                    f"{prefix} answer {i} about {topic}: {' '.join(hashlib.sha256(f'{prefix}{i}{k}'.encode()).hexdigest()[:8] for k in range(12))}."))
    return out


def release_files_dir(tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    return tmp
