"""The async client for an OpenAI-compatible teacher: bounded concurrency, retries with backoff, clear errors."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx2
import openai
from redis.asyncio import Redis

from contrib.synth.teacher.errors import TeacherError, TeacherRequestRejected, TeacherUnavailable
from contrib.synth.teacher.semaphore import RedisSemaphore

logger = logging.getLogger(__name__)

NO_KEY = "not-needed"
# How long a Redis lease outlives the request timeout, so a live request never loses its slot.
LEASE_MARGIN = 30.0


@dataclass(frozen=True)
class TeacherConfig:
    """Where a teacher is and how hard to push it; mirrors the Teacher model's fields."""

    name: str
    base_url: str
    model: str
    api_key_env: str = ""
    max_concurrency: int = 8
    timeout: float = 60.0
    max_retries: int = 5


@dataclass(frozen=True)
class Completion:
    """One answer: its text, token usage, the seconds its successful attempt took, and attempts made."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    latency: float
    attempts: int


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, or ``Retry-After`` in seconds or as an HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    return None


class TeacherClient:
    """Sends chat completions to one teacher; create one per event loop and ``await aclose()`` it.

    A local semaphore caps requests in flight from this client at ``max_concurrency``; with ``redis_url``
    a Redis semaphore keyed by the teacher's name caps them across every process too. A slot is held for
    one attempt only, never across a backoff sleep.
    """

    def __init__(
        self,
        config: TeacherConfig,
        *,
        redis_url: str | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        retry_after_cap: float = 60.0,
    ) -> None:
        if config.max_concurrency < 1:
            raise TeacherError(f"Teacher {config.name!r}: max_concurrency must be at least 1.")
        api_key = NO_KEY
        if config.api_key_env:
            api_key = os.environ.get(config.api_key_env, "")
            if not api_key:
                raise TeacherError(
                    f"Teacher {config.name!r} reads its API key from ${config.api_key_env}, which is not set "
                    "in this process's environment; set it where the workers run."
                )
        self.config = config
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        pool = config.max_concurrency + 4  # room for check() beside a full set of requests
        self._http = openai.DefaultAsyncHttpxClient(
            limits=httpx2.Limits(max_connections=pool, max_keepalive_connections=pool),
            timeout=config.timeout,
        )
        self._openai = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=api_key,
            timeout=config.timeout,
            max_retries=0,
            http_client=self._http,
        )
        self._local = asyncio.Semaphore(config.max_concurrency)
        self._redis: Redis | None = None
        self._shared: RedisSemaphore | None = None
        if redis_url:
            self._redis = Redis.from_url(redis_url)
            self._shared = RedisSemaphore(
                self._redis,
                config.name,
                config.max_concurrency,
                lease_seconds=config.timeout + LEASE_MARGIN,
            )

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        async with self._local:
            if self._shared is None:
                yield
            else:
                async with self._shared.slot():
                    yield

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1)))."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def _where(self) -> str:
        return f"teacher {self.config.name!r} at {self.config.base_url} (model {self.config.model!r})"

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        temperature: float = 0.7,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion, retried on 408, 429, 5xx, timeouts and connection errors.

        Raises ``TeacherUnavailable`` once ``max_retries`` retries are spent, ``TeacherRequestRejected`` at
        once on any other 4xx.
        """
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": temperature,
        }
        if seed is not None:
            request["seed"] = seed
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        last_error = "no attempt made"
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            wait: float | None = None
            try:
                async with self._slot():
                    started = time.monotonic()
                    response = await self._openai.chat.completions.create(**request)
                    latency = time.monotonic() - started
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status not in (408, 429) and status < 500:
                    raise TeacherRequestRejected(
                        f"The {self._where()} refused the request with HTTP {status}: {_message(exc)}. "
                        "Check the teacher's model name, API key and limits; retrying would not help.",
                        status=status,
                    ) from exc
                last_error = f"HTTP {status}: {_message(exc)}"
                wait = retry_after_seconds(exc.response.headers)
            except openai.APITimeoutError:
                last_error = f"no answer within the {self.config.timeout:g} s timeout"
            except openai.APIConnectionError as exc:
                last_error = f"connection failed ({exc.__cause__ or exc})"
            else:
                choice = response.choices[0] if response.choices else None
                usage = response.usage
                return Completion(
                    text=(choice.message.content if choice is not None else None) or "",
                    prompt_tokens=usage.prompt_tokens if usage is not None else 0,
                    completion_tokens=usage.completion_tokens if usage is not None else 0,
                    latency=latency,
                    attempts=attempt,
                )
            if attempt == attempts:
                break
            delay = min(wait, self.retry_after_cap) if wait is not None else self._backoff(attempt)
            logger.info(
                "Retrying %s in %.2f s after attempt %d/%d: %s",
                self._where(),
                delay,
                attempt,
                attempts,
                last_error,
            )
            await asyncio.sleep(delay)
        raise TeacherUnavailable(
            f"The {self._where()} gave no answer after {attempts} attempt(s); last error: {last_error}. "
            "Check that the server is running and reachable from the workers, or lower its load."
        )

    async def check(self) -> str:
        """Test the connection: list the models (or try a one-token completion); a summary, or TeacherUnavailable."""
        timeout = min(self.config.timeout, 15.0)
        started = time.monotonic()
        listed: list[str] | None = None
        try:
            page = await self._openai.models.list(timeout=timeout)
            listed = [m.id for m in page.data]
        except openai.APIStatusError as exc:
            if exc.status_code in (401, 403):
                raise TeacherUnavailable(
                    f"The {self._where()} refused our credentials (HTTP {exc.status_code}); "
                    f"check the key in ${self.config.api_key_env or '<no api_key_env set>'}."
                ) from exc
            if exc.status_code != 404:
                raise TeacherUnavailable(
                    f"The {self._where()} answered HTTP {exc.status_code}: {_message(exc)}."
                ) from exc
        except openai.APITimeoutError as exc:
            raise TeacherUnavailable(f"The {self._where()} did not answer within {timeout:g} s.") from exc
        except openai.APIConnectionError as exc:
            raise TeacherUnavailable(
                f"Cannot connect to the {self._where()}: {exc.__cause__ or exc}. Is the server running, "
                "and is the base URL (usually ending in /v1) right?"
            ) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        if listed is not None and self.config.model in listed:
            return (
                f"OK: {self.config.base_url} answered in {elapsed_ms:.0f} ms and serves model "
                f"{self.config.model!r} ({len(listed)} model(s) listed)."
            )
        # The model list is missing or does not name our model (some servers alias): ask the model itself.
        try:
            await self._openai.chat.completions.create(
                model=self.config.model,
                messages=[{"role": "user", "content": "ping"}],
                max_tokens=1,
                timeout=timeout,
            )
        except openai.APIStatusError as exc:
            known = f" It lists: {', '.join(listed) or 'none'}." if listed is not None else ""
            raise TeacherUnavailable(
                f"The {self._where()} is up but a one-token completion failed with HTTP {exc.status_code}: "
                f"{_message(exc)}.{known} Check the model name."
            ) from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise TeacherUnavailable(
                f"The {self._where()} did not complete a one-token request: {exc}."
            ) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        return f"OK: {self.config.base_url} completed a one-token request with {self.config.model!r} in {elapsed_ms:.0f} ms."

    async def aclose(self) -> None:
        await self._openai.close()
        if self._redis is not None:
            await self._redis.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return exc.message
