"""The knowledge pipeline: document chunks turned into question-answer pairs in the seed examples' style, judged."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

from contrib.synth.choices import FilterReason, Stage
from contrib.synth.pipelines.base import Batch, Caller, SampleDraft, examples_text, seed_examples
from contrib.synth.pipelines.chunking import DEFAULT_CHUNK_WORDS, chunk_texts


def knowledge_chunks(data: dict[str, Any], documents: Sequence[str], *, max_words: int = DEFAULT_CHUNK_WORDS) -> list[str]:
    """The leaf's documents in chunks; the seed examples' contexts stand in when there are no documents."""
    texts = [d for d in documents if d.strip()]
    if not texts:
        texts = [str(e.get("context", "")) for e in seed_examples(data) if str(e.get("context", "")).strip()]
    return chunk_texts(texts, max_words=max_words)


class Knowledge:
    """Knowledge: for each chunk and each seed example, ``scale`` pairs, each judged for faithfulness,
    relevancy and question quality."""

    name = "knowledge"
    version = "1"

    def __init__(self, chunk_words: int = DEFAULT_CHUNK_WORDS) -> None:
        self.chunk_words = chunk_words

    def batches(self, data: dict[str, Any], *, documents: Sequence[str], scale: int,
                rng: random.Random) -> list[Batch]:
        chunks = knowledge_chunks(data, documents, max_words=self.chunk_words)
        examples = seed_examples(data)
        batches = []
        for c, chunk in enumerate(chunks):
            for s in range(len(examples)):
                n = c * len(examples) + s
                batches.append(Batch(number=n, stage=Stage.GENERATE_KNOWLEDGE_QA, first=n * scale, size=scale,
                                     payload={"chunk": chunk, "example": s}, seed=rng.randrange(2**31)))
        return batches

    def requests_estimate(self, batch: Batch) -> int:
        return 1 + batch.size

    async def run_batch(self, caller: Caller, data: dict[str, Any], batch: Batch) -> list[SampleDraft]:
        example = seed_examples(data)[batch.payload["example"]]
        chunk = batch.payload["chunk"]
        rng = random.Random(batch.seed)
        drafts = [SampleDraft(stage=batch.stage, index=i, context=chunk) for i in batch.indexes]
        reply = await caller.ask(
            Stage.GENERATE_KNOWLEDGE_QA, rng, domain=str(data.get("domain", "")).strip(),
            outline=" ".join(str(data.get("document_outline", "")).split()),
            examples=examples_text(example.get("questions_and_answers") or []), chunk=chunk, count=batch.size,
        )
        reply.charge(drafts[0])
        if reply.value is None:
            for draft in drafts:
                draft.stage_outputs[Stage.GENERATE_KNOWLEDGE_QA] = {"raw": reply.text}
                draft.filter(FilterReason.MALFORMED_OUTPUT)
            return drafts
        pairs = reply.value["pairs"][: batch.size]
        for draft in drafts[len(pairs):]:
            draft.stage_outputs[Stage.GENERATE_KNOWLEDGE_QA] = {"error": f"the teacher returned {len(pairs)} pairs"}
            draft.filter(FilterReason.MALFORMED_OUTPUT)

        async def judge(draft: SampleDraft, pair: dict[str, str], j: int) -> None:
            draft.question, draft.answer = pair["question"], pair["answer"]
            draft.stage_outputs[Stage.GENERATE_KNOWLEDGE_QA] = pair
            verdict = await caller.ask(Stage.JUDGE_KNOWLEDGE, random.Random(f"{batch.seed}:{j}"), chunk=chunk,
                                       question=draft.question, answer=draft.answer)
            verdict.charge(draft)
            if verdict.value is None:
                draft.stage_outputs[Stage.JUDGE_KNOWLEDGE] = {"raw": verdict.text}
                draft.filter(FilterReason.MALFORMED_OUTPUT)
                return
            draft.stage_outputs[Stage.JUDGE_KNOWLEDGE] = verdict.value
            draft.judge_scores = {k: verdict.value[k] for k in ("faithfulness", "relevancy", "question_quality")}
            draft.judge_rationale = verdict.value["rationale"]
            if verdict.value["verdict"] == "pass":
                draft.keep()
            else:
                draft.filter(FilterReason.KNOWLEDGE_REJECTED)

        await asyncio.gather(*(judge(drafts[j], p, j) for j, p in enumerate(pairs)))
        return drafts
