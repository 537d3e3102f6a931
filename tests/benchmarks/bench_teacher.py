"""Benchmark: how close the teacher client keeps a 64-slot teacher to saturation.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_teacher.py [--requests 2048]

Set-up from issue 4: the scripted teacher runs in its own process with 64 slots and 0.5 s of slot time per
request, so the ideal is 64 / 0.5 = 128 requests/s. One TeacherClient (max_concurrency=64, with the Redis
semaphore on, as in production) sends realistic pipeline-stage requests. The figure is achieved requests/s
divided by the ideal; the target is at least 0.90.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from redis import Redis

from contrib.synth.teacher import TeacherClient, TeacherConfig
from contrib.synth.teacher.semaphore import KEY_PREFIX
from tests.synth.scripted import run_scripted_teacher

SLOTS = 64
LATENCY = 0.5
TARGET = 0.90

SYSTEM = (
    "[seedbed:stage={stage}]\n"
    "You are a teacher model helping a community build training data for an open language model. "
    "Read the material below carefully. Follow the style of the seed examples, stay on the topic of the "
    "task description, and never invent facts that the material does not support. Answer with exactly one "
    "JSON object and nothing else: no prose before or after it, no code fences."
)
SEED = (
    "task description: Teach the model to give synonyms for common English words, with a short example.\n"
    "example question: What is a synonym for happy, and how would you use it in a sentence?\n"
    "example answer: Joyful is a synonym for happy. For example: The children were joyful when the snow began.\n"
    "example question: Give a synonym for quick.\n"
    "example answer: Rapid. The river was rapid after the storm, carrying branches downstream.\n"
)
CHUNK = (
    "chunk: The Nile is a major north-flowing river in northeastern Africa. It flows into the Mediterranean "
    "Sea. The Nile is among the longest rivers in the world, and its drainage basin covers eleven countries. "
    "Its two major tributaries are the White Nile and the Blue Nile, which meet near Khartoum.\n"
)


def request(i: int) -> tuple[str, str]:
    """The stage and user message of the i-th request, in the mix a freeform and knowledge run sends."""
    kind = i % 8
    if kind == 0:
        return "generate_questions", f"{SEED}count: 5\nvariant: {i}"
    if kind in (1, 2):
        return "judge_question", f"{SEED}question: What is a synonym for bright? ({i})"
    if kind in (3, 4):
        return "generate_answer", f"{SEED}question: What is a synonym for calm? ({i})"
    if kind == 5:
        return (
            "judge_answer",
            f"question: What is a synonym for calm? ({i})\nanswer: Tranquil. The lake was tranquil.",
        )
    if kind == 6:
        return "generate_knowledge_qa", f"{SEED}{CHUNK}count: 3\nvariant: {i}"
    return (
        "judge_knowledge",
        f"{CHUNK}question: Where does the Nile flow? ({i})\nanswer: North, into the Mediterranean.",
    )


async def drive(base_url: str, n: int, redis_url: str | None, name: str) -> dict[str, Any]:
    config = TeacherConfig(name=name, base_url=base_url, model="scripted-teacher", max_concurrency=SLOTS)
    async with TeacherClient(config, redis_url=redis_url) as client:
        # Warm the connection pool so the figure measures the steady state a long run lives in.
        await asyncio.gather(
            *(client.complete([{"role": "user", "content": "warm-up"}]) for _ in range(SLOTS))
        )

        async def one(i: int) -> Any:
            stage, user = request(i)
            return await client.complete(
                [
                    {"role": "system", "content": SYSTEM.format(stage=stage)},
                    {"role": "user", "content": user},
                ],
                seed=i,
            )

        started = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "attempts": sum(r.attempts for r in results),
        "tokens_in": sum(r.prompt_tokens for r in results),
        "tokens_out": sum(r.completion_tokens for r in results),
        "mean_latency": sum(r.latency for r in results) / len(results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2048)
    parser.add_argument("--no-redis", action="store_true", help="local semaphore only (for comparison)")
    args = parser.parse_args()
    redis_url = None if args.no_redis else os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    name = f"bench-{uuid.uuid4().hex[:8]}"
    ideal = SLOTS / LATENCY

    with run_scripted_teacher(mode="process", slots=SLOTS, latency=LATENCY) as teacher:
        try:
            teacher.reset_stats()
            result = asyncio.run(drive(teacher.base_url, args.requests, redis_url, name))
            stats = teacher.stats()
        finally:
            if redis_url:
                with Redis.from_url(redis_url) as redis:
                    redis.delete(KEY_PREFIX + name)

    achieved = args.requests / result["elapsed"]
    ratio = achieved / ideal
    print(f"teacher            scripted, {SLOTS} slots, {LATENCY} s per request (separate process)")
    print(
        f"client             TeacherClient max_concurrency={SLOTS}, Redis semaphore {'on' if redis_url else 'off'}"
    )
    print(
        f"requests           {args.requests} ({result['attempts']} attempts, {stats['completed']} at server)"
    )
    print(f"elapsed            {result['elapsed']:.2f} s")
    print(f"achieved           {achieved:.1f} requests/s")
    print(f"ideal              {ideal:.1f} requests/s")
    print(
        f"achieved / ideal   {ratio:.3f}  (target >= {TARGET:.2f}: {'met' if ratio >= TARGET else 'NOT met'})"
    )
    print(f"server in flight   max {stats['max_in_flight']}, max open {stats['max_open_requests']}")
    print(f"mean latency       {result['mean_latency'] * 1000:.0f} ms per request")
    print(f"tokens             {result['tokens_in']} in, {result['tokens_out']} out")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
