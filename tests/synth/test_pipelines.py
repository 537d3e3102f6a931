"""The pipelines against the scripted teacher over HTTP: counts, filters, malformed output, chunks, dedup."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from contrib.synth.choices import FilterReason
from contrib.synth.pipelines import (
    SampleDraft,
    drop_duplicates,
    generate_leaf,
    knowledge_chunks,
    pipeline_for,
)
from contrib.synth.pipelines.chunking import chunk_texts
from contrib.synth.pipelines.outputs import parse
from contrib.synth.pipelines.prompts import PROMPTS_DIR, messages_for
from contrib.synth.teacher.client import TeacherClient, TeacherConfig
from tests.synth.scripted import ScriptedTeacherHandle, run_scripted_teacher

STARTER = Path(__file__).resolve().parents[2] / "contrib" / "demo" / "starter"


def leaf(path: str) -> dict[str, Any]:
    return yaml.safe_load((STARTER / path / "qna.yaml").read_text())


def generate(handle: ScriptedTeacherHandle, data: dict[str, Any], kind: str, scale: int, documents: list[str] = []) -> Any:  # noqa: B006
    async def go() -> Any:
        client = TeacherClient(TeacherConfig("scripted", handle.base_url, "scripted-teacher", max_retries=1))
        try:
            return await generate_leaf(client, data, kind=kind, scale=scale, rng=random.Random(1), documents=documents)
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def teacher() -> Any:
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        yield handle


def test_every_prompt_starts_with_its_stage_marker() -> None:
    for path in PROMPTS_DIR.glob("*.txt"):
        system, user = messages_for(path.stem, count=2)
        assert system["content"].splitlines()[0] == f"[seedbed:stage={path.stem}]"
        assert user["role"] == "user"


def test_freeform_makes_scale_samples_per_seed_and_filters_planted_items(teacher: ScriptedTeacherHandle) -> None:
    data = leaf("compositional_skills/writing/freeform/haiku")
    data["seed_examples"][0]["question"] += " [[reject:judge_question]]"
    data["seed_examples"][1]["question"] += " [[reject:judge_answer]]"
    data["seed_examples"][2]["question"] += " [[malformed:generate_questions]]"
    result = generate(teacher, data, "freeform_skill", 3)
    assert len(result.drafts) == 15 and sorted(d.index for d in result.drafts) == list(range(15))
    reasons = Counter(d.filter_reason for d in result.drafts if not d.kept)
    # One rejected question; the answer marker reaches every answer of seed 1 through the example shown.
    assert reasons == {FilterReason.QUESTION_REJECTED: 1, FilterReason.ANSWER_REJECTED: 3,
                       FilterReason.MALFORMED_OUTPUT: 3}
    kept = [d for d in result.drafts if d.kept]
    assert all(d.question and d.answer and d.judge_scores["answer"] >= 3 for d in kept)
    malformed = [d for d in result.drafts if d.filter_reason == FilterReason.MALFORMED_OUTPUT]
    assert all("raw" in d.stage_outputs["generate_questions"] for d in malformed)
    assert result.usage.requests == 5 + 12 * 1 + (12 - 1) * 2  # generations, question judges, answers + judges


def test_grounded_generates_contexts_then_questions(teacher: ScriptedTeacherHandle) -> None:
    data = leaf("compositional_skills/grounded/extraction/action_items")
    data["seed_examples"][0]["context"] += " [[reject:judge_question]]"
    result = generate(teacher, data, "grounded_skill", 2)
    assert len(result.drafts) == 10
    assert Counter(d.filter_reason for d in result.drafts if not d.kept) == {FilterReason.QUESTION_REJECTED: 1}
    assert all(d.context and d.question and d.answer for d in result.drafts if d.kept)


def test_knowledge_chunks_documents_and_judges_three_scores(teacher: ScriptedTeacherHandle) -> None:
    data = leaf("knowledge/gardening/composting")
    document = (STARTER / "knowledge/gardening/composting/composting.md").read_text()
    chunks = knowledge_chunks(data, [document])
    assert len(chunks) >= 2 and all(len(c.split()) <= 200 for c in chunks)
    data["seed_examples"][0]["questions_and_answers"][0]["question"] += " [[reject]]"
    result = generate(teacher, data, "knowledge", 2, [document])
    assert len(result.drafts) == len(chunks) * 5 * 2
    assert Counter(d.filter_reason for d in result.drafts if not d.kept) == {FilterReason.KNOWLEDGE_REJECTED: len(chunks)}
    kept = next(d for d in result.drafts if d.kept)
    assert set(kept.judge_scores) == {"faithfulness", "relevancy", "question_quality"} and kept.context in chunks


def test_knowledge_without_documents_uses_the_seed_contexts() -> None:
    data = leaf("knowledge/gardening/composting")
    chunks = knowledge_chunks(data, [])
    assert chunks and "microbes" in " ".join(chunks)


def test_chunking_keeps_paragraphs_and_headings_together() -> None:
    text = "# Title\n\n" + "one two three four five.\n\n" * 3 + ("word " * 12)
    chunks = chunk_texts([text], max_words=10)
    assert chunks[0].startswith("# Title\none two")
    assert all(len(c.split()) <= 10 for c in chunks[1:])
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_exact_duplicates_within_a_leaf_are_dropped() -> None:
    drafts = [SampleDraft(stage="s", index=i, question=q, answer=a).keep()
              for i, (q, a) in enumerate([("What is it?", "A cat."), ("what  is IT?", "a cat."), ("Other?", "A cat.")])]
    drop_duplicates(drafts, set())
    assert [d.filter_reason for d in drafts] == ["", FilterReason.DUPLICATE, ""]


@pytest.mark.parametrize("stage,text,ok", [
    ("generate_questions", '{"questions": ["a", "b"]}', True),
    ("generate_questions", '```json\n{"questions": ["a"]}\n```', True),
    ("generate_questions", '{"questions": "a"}', False),
    ("generate_questions", "Sure! - one - two", False),
    ("judge_question", '{"score": 4, "verdict": "pass", "rationale": "ok"}', True),
    ("judge_question", '{"score": 9, "verdict": "pass"}', False),
    ("judge_answer", '{"score": 2, "verdict": "maybe"}', False),
    ("generate_knowledge_qa", '{"pairs": [{"question": "q", "answer": "a"}]}', True),
    ("generate_knowledge_qa", '{"pairs": [{"question": "q"}]}', False),
    ("judge_knowledge", '{"faithfulness": 5, "relevancy": 4, "question_quality": 3, "verdict": "pass"}', True),
    ("judge_knowledge", '{"faithfulness": 5, "verdict": "pass"}', False),
])
def test_malformed_outputs_are_recognised(stage: str, text: str, ok: bool) -> None:
    assert (parse(stage, text) is not None) is ok


def test_every_leaf_kind_has_a_named_versioned_pipeline() -> None:
    for kind in ("freeform_skill", "grounded_skill", "knowledge"):
        pipeline = pipeline_for(kind)
        assert pipeline.name and pipeline.version
    with pytest.raises(ValueError, match="No pipeline"):
        pipeline_for("poetry")
