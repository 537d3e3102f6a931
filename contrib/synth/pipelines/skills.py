"""The skills pipelines: freeform (questions from seed examples) and grounded (new contexts, then questions)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

from contrib.synth.choices import FilterReason, Stage
from contrib.synth.pipelines.base import (
    Batch,
    Caller,
    SampleDraft,
    context_block,
    examples_text,
    seed_examples,
)


async def question_follow(
    caller: Caller, data: dict[str, Any], draft: SampleDraft, question: str, example: dict[str, Any],
    rng: random.Random, context: str = "",
) -> SampleDraft:
    """Judge ``question``, answer it, judge the pair: the tail shared by both skills pipelines."""
    task = str(data.get("task_description", "")).strip()
    draft.question, draft.context = question, context
    judged = await caller.ask(
        Stage.JUDGE_QUESTION, rng, task_description=task, question=question, context_block=context_block(context)
    )
    judged.charge(draft)
    if judged.value is None:
        draft.stage_outputs[Stage.JUDGE_QUESTION] = {"raw": judged.text}
        return draft.filter(FilterReason.MALFORMED_OUTPUT)
    draft.stage_outputs[Stage.JUDGE_QUESTION] = judged.value
    draft.judge_scores["question"] = judged.value["score"]
    draft.judge_rationale = judged.value["rationale"]
    if judged.value["verdict"] != "pass":
        return draft.filter(FilterReason.QUESTION_REJECTED)
    answered = await caller.ask(
        Stage.GENERATE_ANSWER, rng, task_description=task, examples=examples_text([example]),
        question=question, context_block=context_block(context),
    )
    answered.charge(draft)
    if answered.value is None:
        draft.stage_outputs[Stage.GENERATE_ANSWER] = {"raw": answered.text}
        return draft.filter(FilterReason.MALFORMED_OUTPUT)
    draft.answer = answered.value["answer"]
    draft.stage_outputs[Stage.GENERATE_ANSWER] = answered.value
    verdict = await caller.ask(
        Stage.JUDGE_ANSWER, rng, task_description=task, question=question, answer=draft.answer,
        context_block=context_block(context),
    )
    verdict.charge(draft)
    if verdict.value is None:
        draft.stage_outputs[Stage.JUDGE_ANSWER] = {"raw": verdict.text}
        return draft.filter(FilterReason.MALFORMED_OUTPUT)
    draft.stage_outputs[Stage.JUDGE_ANSWER] = verdict.value
    draft.judge_scores["answer"] = verdict.value["score"]
    draft.judge_rationale = verdict.value["rationale"]
    if verdict.value["verdict"] != "pass":
        return draft.filter(FilterReason.ANSWER_REJECTED)
    return draft.keep()


def _drafts(batch: Batch) -> list[SampleDraft]:
    return [SampleDraft(stage=batch.stage, index=i) for i in batch.indexes]


def _shortfall(drafts: list[SampleDraft], got: int, stage: str) -> None:
    """Items the teacher did not return are filtered as malformed: the batch always yields ``size`` samples."""
    for draft in drafts[got:]:
        draft.stage_outputs[stage] = {"error": f"the teacher returned {got} of {len(drafts)} items"}
        draft.filter(FilterReason.MALFORMED_OUTPUT)


class FreeformSkills:
    """Freeform skills: questions from each seed example, judged, answered, and the pair judged."""

    name = "freeform_skills"
    version = "1"

    def batches(self, data: dict[str, Any], *, documents: Sequence[str], scale: int,
                rng: random.Random) -> list[Batch]:
        return [
            Batch(number=n, stage=Stage.GENERATE_QUESTIONS, first=n * scale, size=scale, payload={"example": n},
                  seed=rng.randrange(2**31))
            for n in range(len(seed_examples(data)))
        ]

    def requests_estimate(self, batch: Batch) -> int:
        return 1 + 3 * batch.size

    async def run_batch(self, caller: Caller, data: dict[str, Any], batch: Batch) -> list[SampleDraft]:
        example = seed_examples(data)[batch.payload["example"]]
        rng = random.Random(batch.seed)
        drafts = _drafts(batch)
        reply = await caller.ask(
            Stage.GENERATE_QUESTIONS, rng, task_description=str(data.get("task_description", "")).strip(),
            examples=examples_text([example]), count=batch.size,
        )
        reply.charge(drafts[0])
        if reply.value is None:
            for draft in drafts:
                draft.stage_outputs[Stage.GENERATE_QUESTIONS] = {"raw": reply.text}
                draft.filter(FilterReason.MALFORMED_OUTPUT)
            return drafts
        questions = reply.value["questions"][: batch.size]
        _shortfall(drafts, len(questions), Stage.GENERATE_QUESTIONS)
        await asyncio.gather(*(
            question_follow(caller, data, drafts[j], q, example, random.Random(f"{batch.seed}:{j}"))
            for j, q in enumerate(questions)
        ))
        return drafts


class GroundedSkills:
    """Grounded skills: new contexts like each seed example's, a question in each, judged, answered, judged."""

    name = "grounded_skills"
    version = "1"

    def batches(self, data: dict[str, Any], *, documents: Sequence[str], scale: int,
                rng: random.Random) -> list[Batch]:
        return [
            Batch(number=n, stage=Stage.GENERATE_CONTEXTS, first=n * scale, size=scale, payload={"example": n},
                  seed=rng.randrange(2**31))
            for n in range(len(seed_examples(data)))
        ]

    def requests_estimate(self, batch: Batch) -> int:
        return 1 + 4 * batch.size

    async def run_batch(self, caller: Caller, data: dict[str, Any], batch: Batch) -> list[SampleDraft]:
        example = seed_examples(data)[batch.payload["example"]]
        task = str(data.get("task_description", "")).strip()
        rng = random.Random(batch.seed)
        drafts = _drafts(batch)
        reply = await caller.ask(
            Stage.GENERATE_CONTEXTS, rng, task_description=task,
            examples=examples_text([{"context": example.get("context", "")}]), count=batch.size,
        )
        reply.charge(drafts[0])
        if reply.value is None:
            for draft in drafts:
                draft.stage_outputs[Stage.GENERATE_CONTEXTS] = {"raw": reply.text}
                draft.filter(FilterReason.MALFORMED_OUTPUT)
            return drafts
        contexts = reply.value["contexts"][: batch.size]
        _shortfall(drafts, len(contexts), Stage.GENERATE_CONTEXTS)

        async def one(j: int, context: str) -> None:
            draft, item_rng = drafts[j], random.Random(f"{batch.seed}:{j}")
            draft.context = context
            asked = await caller.ask(
                Stage.GENERATE_GROUNDED_QUESTIONS, item_rng, task_description=task,
                examples=examples_text([{"question": example.get("question", "")}]), context=context, count=1,
            )
            asked.charge(draft)
            if asked.value is None or not asked.value["questions"]:
                draft.stage_outputs[Stage.GENERATE_GROUNDED_QUESTIONS] = {"raw": asked.text}
                draft.filter(FilterReason.MALFORMED_OUTPUT)
                return
            draft.stage_outputs[Stage.GENERATE_GROUNDED_QUESTIONS] = asked.value
            await question_follow(caller, data, draft, asked.value["questions"][0], example, item_rng, context)

        await asyncio.gather(*(one(j, c) for j, c in enumerate(contexts)))
        return drafts
