"""The teacher client against the scripted teacher over real HTTP, and its Redis semaphore on real Redis."""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from contrib.synth.teacher import (
    TeacherClient,
    TeacherConfig,
    TeacherError,
    TeacherRequestRejected,
    TeacherUnavailable,
)
from contrib.synth.teacher.client import retry_after_seconds
from contrib.synth.teacher.semaphore import KEY_PREFIX, RedisSemaphore
from tests.synth.scripted import run_scripted_teacher

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
FAST: dict[str, Any] = {"backoff_base": 0.01, "backoff_cap": 0.05}


def messages(stage: str, user: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": f"[seedbed:stage={stage}]\nAnswer with one JSON object."},
        {"role": "user", "content": user},
    ]


@pytest.fixture
def teacher_name() -> Iterator[str]:
    """A teacher name no other test shares, and its Redis slots cleared afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    if REDIS_URL.startswith("redis://"):
        with Redis.from_url(REDIS_URL) as redis:
            redis.delete(KEY_PREFIX + name)


def needs_redis() -> None:
    if not REDIS_URL.startswith("redis://"):
        pytest.skip("CELERY_BROKER_URL does not point at Redis")


def config(name: str, url: str, **overrides: Any) -> TeacherConfig:
    return TeacherConfig(name=name, base_url=url, model="scripted-teacher", **overrides)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_completes_with_tokens_latency_and_one_attempt(teacher_name: str) -> None:
    async def go(url: str) -> Any:
        async with TeacherClient(config(teacher_name, url)) as client:
            return await client.complete(
                messages("generate_questions", "example: What is a synonym for happy?\ncount: 2"), seed=7
            )

    with run_scripted_teacher(latency=0.1) as teacher:
        completion = asyncio.run(go(teacher.base_url))
    assert len(json.loads(completion.text)["questions"]) == 2
    assert completion.prompt_tokens > 0 and completion.completion_tokens == len(completion.text.split())
    assert 0.1 <= completion.latency < 1.0
    assert completion.attempts == 1


def test_retries_through_429_500_and_timeouts(teacher_name: str) -> None:
    async def go(url: str) -> list[Any]:
        cfg = config(teacher_name, url, timeout=0.5, max_retries=10, max_concurrency=16)
        async with TeacherClient(cfg, **FAST) as client:
            return await asyncio.gather(
                *(client.complete(messages("generate_answer", f"question: number {i}?")) for i in range(40))
            )

    with run_scripted_teacher(
        slots=16, error_rate=0.4, faults=("429", "500", "timeout"), timeout_hold=10, seed=3
    ) as teacher:
        completions = asyncio.run(go(teacher.base_url))
        stats = teacher.stats()
    assert len(completions) == 40
    assert all("answer" in json.loads(c.text) for c in completions)
    assert any(c.attempts > 1 for c in completions)
    assert {"429", "500", "timeout"} <= set(stats["errors_injected"])
    assert stats["completed"] == 40


def test_honours_retry_after(teacher_name: str) -> None:
    async def go(url: str) -> float:
        # Zero backoff: any wait between attempts comes from the server's Retry-After.
        cfg = config(teacher_name, url, max_retries=2)
        async with TeacherClient(cfg, backoff_base=0.0) as client:
            started = time.monotonic()
            with pytest.raises(TeacherUnavailable, match="HTTP 429"):
                await client.complete(messages("generate_answer", "question: later?"))
            return time.monotonic() - started

    with run_scripted_teacher(error_rate=1.0, faults=("429",), retry_after=0.3) as teacher:
        elapsed = asyncio.run(go(teacher.base_url))
        assert teacher.stats()["errors_injected"] == {"429": 3}
    assert 0.6 <= elapsed < 2.0


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "soon"}) is None
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after_seconds({"retry-after": date}) or 0) <= 31


def test_teacher_down_fails_fast_and_clearly(teacher_name: str) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"

    async def go() -> tuple[str, str, float]:
        async with TeacherClient(config(teacher_name, url, max_retries=3, timeout=2), **FAST) as client:
            started = time.monotonic()
            with pytest.raises(TeacherUnavailable) as failed:
                await client.complete(messages("generate_answer", "question: anyone there?"))
            elapsed = time.monotonic() - started
            with pytest.raises(TeacherUnavailable) as check:
                await client.check()
            return str(failed.value), str(check.value), elapsed

    message, check_message, elapsed = asyncio.run(go())
    assert elapsed < 3
    assert (
        teacher_name in message and url in message and "4 attempt(s)" in message and "connection" in message
    )
    assert "Cannot connect" in check_message and url in check_message


def test_teacher_answering_503_is_unavailable(teacher_name: str) -> None:
    async def go(url: str) -> str:
        async with TeacherClient(config(teacher_name, url, max_retries=2), **FAST) as client:
            with pytest.raises(TeacherUnavailable) as failed:
                await client.complete(messages("generate_answer", "question: up?"))
            return str(failed.value)

    with run_scripted_teacher(fail_all=True) as teacher:
        message = asyncio.run(go(teacher.base_url))
        assert teacher.stats()["requests"] == 3
    assert "HTTP 503" in message and "down on purpose" in message


def test_other_4xx_is_not_retried(teacher_name: str) -> None:
    async def go(url: str) -> TeacherRequestRejected:
        async with TeacherClient(config(teacher_name, url + "/nowhere"), **FAST) as client:
            with pytest.raises(TeacherRequestRejected) as rejected:
                await client.complete(messages("generate_answer", "question: where?"))
            return rejected.value

    with run_scripted_teacher() as teacher:
        error = asyncio.run(go(teacher.base_url))
    assert error.status == 404 and "retrying would not help" in str(error)


def test_check_reports_the_model(teacher_name: str) -> None:
    async def go(url: str, model: str) -> str:
        async with TeacherClient(TeacherConfig(name=teacher_name, base_url=url, model=model)) as client:
            return await client.check()

    with run_scripted_teacher() as teacher:
        assert "serves model 'scripted-teacher'" in asyncio.run(go(teacher.base_url, "scripted-teacher"))
        # Not listed, but the server completes for it (as aliasing servers do): still OK, said how.
        assert "one-token request" in asyncio.run(go(teacher.base_url, "other-model"))


def test_missing_api_key_variable_is_a_clear_error(
    teacher_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEEDBED_TEST_MISSING_KEY", raising=False)
    with pytest.raises(TeacherError, match=r"\$SEEDBED_TEST_MISSING_KEY"):
        TeacherClient(config(teacher_name, "http://127.0.0.1:1/v1", api_key_env="SEEDBED_TEST_MISSING_KEY"))


def test_redis_semaphore_holds_the_limit_across_clients(teacher_name: str) -> None:
    needs_redis()

    async def go(url: str, redis_url: str | None) -> None:
        cfg = config(teacher_name, url, max_concurrency=4)
        clients = [TeacherClient(cfg, redis_url=redis_url) for _ in range(2)]
        try:
            await asyncio.gather(
                *(
                    client.complete(messages("judge_answer", f"answer: {n}-{i}"))
                    for n, client in enumerate(clients)
                    for i in range(12)
                )
            )
        finally:
            for client in clients:
                await client.aclose()

    with run_scripted_teacher(slots=32, latency=0.1) as teacher:
        asyncio.run(go(teacher.base_url, None))
        alone = teacher.stats()["max_open_requests"]
        teacher.reset_stats()
        asyncio.run(go(teacher.base_url, REDIS_URL))
        shared = teacher.stats()
    assert alone == 8  # two local semaphores of 4, no shared limit
    assert shared["max_open_requests"] == 4 and shared["completed"] == 24
    with Redis.from_url(REDIS_URL) as redis:
        assert redis.zcard(KEY_PREFIX + teacher_name) == 0  # every lease given back


def test_expired_lease_is_reclaimed(teacher_name: str) -> None:
    needs_redis()

    async def go() -> tuple[str | None, str | None, int]:
        from redis.asyncio import Redis as AsyncRedis

        redis = AsyncRedis.from_url(REDIS_URL)
        try:
            crashed = RedisSemaphore(redis, teacher_name, 1, lease_seconds=0.3)
            assert await crashed.try_acquire() is not None  # a worker takes the slot and dies holding it
            other = RedisSemaphore(redis, teacher_name, 1, lease_seconds=30)
            blocked = await other.try_acquire()
            await asyncio.sleep(0.35)
            token = await asyncio.wait_for(other.acquire(), timeout=2)
            held = await other.held()
            await other.release(token)
            return blocked, token, held
        finally:
            await redis.aclose()

    blocked, token, held = asyncio.run(go())
    assert blocked is None and token is not None and held == 1


def test_cancelled_request_gives_its_slot_back(teacher_name: str) -> None:
    needs_redis()

    async def go(url: str) -> int:
        async with TeacherClient(config(teacher_name, url, max_concurrency=2), redis_url=REDIS_URL) as client:
            tasks = [
                asyncio.create_task(client.complete(messages("generate_answer", f"question: {i}")))
                for i in range(4)
            ]
            await asyncio.sleep(0.2)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0.05)
            assert client._shared is not None
            return await client._shared.held()

    with run_scripted_teacher(latency=2.0) as teacher:
        assert asyncio.run(go(teacher.base_url)) == 0
