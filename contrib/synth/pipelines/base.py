"""What every pipeline shares: batches of work, sample drafts, and the counting, cancellable teacher caller."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from contrib.synth.choices import FilterReason
from contrib.synth.pipelines.outputs import parse
from contrib.synth.pipelines.prompts import messages_for


class RunStopped(Exception):
    """The run was cancelled or failed elsewhere: stop sending requests."""


class CompletionLike(Protocol):
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency: float


class ClientLike(Protocol):
    """The part of TeacherClient the pipelines use."""

    async def complete(
        self, messages: list[dict[str, Any]], *, temperature: float = ..., seed: int | None = ...,
        max_tokens: int | None = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class Batch:
    """One unit of work of a leaf, made before any request: it yields exactly ``size`` samples from ``first``."""

    number: int
    stage: str
    first: int
    size: int
    payload: dict[str, Any]
    seed: int

    @property
    def indexes(self) -> range:
        return range(self.first, self.first + self.size)


@dataclass
class SampleDraft:
    """A sample before it is stored: what the stages produced and whether it is kept."""

    stage: str
    index: int
    question: str = ""
    answer: str = ""
    context: str = ""
    stage_outputs: dict[str, Any] = field(default_factory=dict)
    judge_scores: dict[str, Any] = field(default_factory=dict)
    judge_rationale: str = ""
    kept: bool = False
    filter_reason: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency: float = 0.0

    def filter(self, reason: FilterReason) -> SampleDraft:
        self.kept, self.filter_reason = False, reason.value
        return self

    def keep(self) -> SampleDraft:
        self.kept, self.filter_reason = True, ""
        return self


@dataclass
class Usage:
    """Requests and tokens spent, by stage; the task turns these into the run's counters."""

    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Reply:
    """One teacher answer: the parsed object (None when malformed), the raw text, and its cost."""

    value: dict[str, Any] | None
    text: str
    tokens_in: int
    tokens_out: int
    latency: float

    def charge(self, draft: SampleDraft) -> None:
        draft.tokens_in += self.tokens_in
        draft.tokens_out += self.tokens_out
        draft.latency += self.latency


class Caller:
    """Sends one request of a stage through the teacher client, counting it, unless the run was stopped."""

    def __init__(self, client: ClientLike, *, should_stop: Callable[[], bool] = lambda: False,
                 temperature: float = 0.7) -> None:
        self.client = client
        self.should_stop = should_stop
        self.temperature = temperature
        self.usage = Usage()

    async def ask(self, stage: str, rng: random.Random, **values: object) -> Reply:
        if self.should_stop():
            raise RunStopped()
        started = time.monotonic()
        completion = await self.client.complete(
            messages_for(stage, **values), temperature=self.temperature, seed=rng.randrange(2**31)
        )
        tokens_in, tokens_out = int(completion.prompt_tokens or 0), int(completion.completion_tokens or 0)
        self.usage.requests += 1
        self.usage.tokens_in += tokens_in
        self.usage.tokens_out += tokens_out
        self.usage.by_stage[stage] += 1
        latency = float(getattr(completion, "latency", None) or time.monotonic() - started)
        return Reply(parse(stage, completion.text), completion.text[:2000], tokens_in, tokens_out, latency)


class Pipeline(Protocol):
    """A pipeline: a name and version, its batches for a leaf, and how one batch runs."""

    name: str
    version: str

    def batches(self, data: dict[str, Any], *, documents: Sequence[str], scale: int,
                rng: random.Random) -> list[Batch]: ...

    def requests_estimate(self, batch: Batch) -> int: ...

    def run_batch(self, caller: Caller, data: dict[str, Any], batch: Batch) -> Awaitable[list[SampleDraft]]: ...


def seed_examples(data: dict[str, Any]) -> list[dict[str, Any]]:
    examples = data.get("seed_examples") or []
    return [e for e in examples if isinstance(e, dict)]


def examples_text(pairs: Sequence[dict[str, Any]]) -> str:
    """Example questions and answers as the prompts show them."""
    lines = []
    for n, pair in enumerate(pairs, 1):
        if pair.get("context"):
            lines.append(f"{n}. context: {str(pair['context']).strip()}")
        if pair.get("question"):
            lines.append(f"{n}. question: {str(pair['question']).strip()}")
        if pair.get("answer"):
            lines.append(f"   answer: {str(pair['answer']).strip()}")
    return "\n".join(lines)


def context_block(context: str) -> str:
    return f"context:\n{context}" if context else ""
