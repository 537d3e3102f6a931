"""A scripted OpenAI-compatible teacher over real HTTP, with slots, latency and fault injection.

TEST AND DEMO TOOL: it answers Seedbed's own pipeline prompts deterministically (see ``responses``) and
is no model. Production settings never point at it.

Endpoints: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /stats``, ``POST /stats/reset``.
Run it with ``python manage.py run_scripted_teacher`` or ``python -m contrib.synth.scripted.server``; with
``--port 0`` it picks a free port. Either way its first line on stdout is ``listening on <base URL>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from contrib.synth.scripted import responses

FAULTS = ("429", "500", "timeout", "malformed")
HELP = (
    "Run the SCRIPTED teacher: a deterministic OpenAI-compatible server for tests and the labelled demo. "
    "It is not a model; never point production at it."
)


@dataclass(frozen=True)
class ScriptedOptions:
    """How the scripted teacher behaves; every field has a command-line flag of the same name."""

    host: str = "127.0.0.1"
    port: int = 8100
    latency: float = 0.0
    slots: int = 8
    error_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    seed: int = 0
    model: str = "scripted-teacher"
    timeout_hold: float = 30.0
    retry_after: float = 0.0
    judge_fail_rate: float = 0.15
    fail_all: bool = False
    shutdown_timeout: float = 1.0


@dataclass
class Stats:
    """What the server has seen since start or the last reset."""

    requests: int = 0
    completed: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0  # inside a slot
    max_in_flight: int = 0
    open: int = 0  # received and not yet answered, queued or in a slot
    max_open: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "completed": self.completed,
            "by_stage": dict(self.by_stage),
            "errors_injected": dict(self.errors),
            "errors_injected_total": sum(self.errors.values()),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "open_requests": self.open,
            "max_open_requests": self.max_open,
        }


class ScriptedTeacher:
    """The server's state: options, slots, per-body attempt counters and stats."""

    def __init__(self, options: ScriptedOptions) -> None:
        unknown = set(options.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"Unknown fault kinds {sorted(unknown)}; choose from {', '.join(FAULTS)}.")
        if options.slots < 1:
            raise ValueError("--slots must be at least 1.")
        self.options = options
        self.stats = Stats()
        self.attempts: Counter[bytes] = Counter()
        self._slots: asyncio.Semaphore | None = None

    @property
    def slots(self) -> asyncio.Semaphore:
        # Created lazily so it belongs to the loop that serves.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.options.slots)
        return self._slots

    def app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.add_routes(
            [
                web.post("/v1/chat/completions", self.chat_completions),
                web.get("/v1/models", self.models),
                web.get("/stats", self.get_stats),
                web.post("/stats/reset", self.reset_stats),
            ]
        )
        return app

    def _fault(self, key: bytes) -> str | None:
        """The fault for this attempt at this body, if any: deterministic given the attempt number."""
        opts = self.options
        if opts.error_rate <= 0 or not opts.faults:
            return None
        self.attempts[key] += 1
        attempt = str(self.attempts[key])
        if responses.bucket(opts.seed, "fault", key, attempt) >= opts.error_rate:
            return None
        pick = responses.bucket(opts.seed, "fault-kind", key, attempt)
        return opts.faults[int(pick * len(opts.faults))]

    async def chat_completions(self, request: web.Request) -> web.Response:
        stats, opts = self.stats, self.options
        stats.requests += 1
        stats.open += 1
        stats.max_open = max(stats.max_open, stats.open)
        try:
            if opts.fail_all:
                stats.errors["503"] += 1
                return _error(503, "The scripted teacher runs with --fail-all: it is down on purpose.")
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                return _error(400, "The request body is not JSON.")
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return _error(400, "The request needs a JSON object with a 'messages' list.")
            key = responses.digest(opts.seed, responses.canonical(body))
            fault = self._fault(key)
            if fault == "429":
                stats.errors["429"] += 1
                return _error(
                    429, "Scripted rate limit: retry later.", headers={"Retry-After": f"{opts.retry_after:g}"}
                )
            async with self.slots:
                stats.in_flight += 1
                stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
                try:
                    if fault == "timeout":
                        stats.errors["timeout"] += 1
                        await asyncio.sleep(opts.timeout_hold)
                    if opts.latency > 0:
                        await asyncio.sleep(opts.latency)
                finally:
                    stats.in_flight -= 1
            if fault == "500":
                stats.errors["500"] += 1
                return _error(500, "Scripted internal error.")
            reply = responses.answer(body, seed=opts.seed, judge_fail_rate=opts.judge_fail_rate)
            content = reply.content
            if fault == "malformed":
                stats.errors["malformed"] += 1
                content = "I think the answer is: " + content[: len(content) // 2]
            stats.by_stage[reply.stage] += 1
            stats.completed += 1
            prompt_tokens = responses.prompt_words(body)
            completion_tokens = responses.words(content)
            payload = {
                "id": "chatcmpl-" + key.hex()[:24],
                "object": "chat.completion",
                "created": 0,
                "model": str(body.get("model") or opts.model),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
            return web.json_response(payload)
        finally:
            stats.open -= 1

    async def models(self, request: web.Request) -> web.Response:
        if self.options.fail_all:
            return _error(503, "The scripted teacher runs with --fail-all: it is down on purpose.")
        model = {"id": self.options.model, "object": "model", "created": 0, "owned_by": "seedbed-scripted"}
        return web.json_response({"object": "list", "data": [model]})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.as_json())

    async def reset_stats(self, request: web.Request) -> web.Response:
        self.stats = Stats(in_flight=self.stats.in_flight, open=self.stats.open)
        self.attempts.clear()
        return web.json_response(self.stats.as_json())


def _error(status: int, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": "scripted_error", "code": status}}
    return web.json_response(body, status=status, headers=headers)


async def start(options: ScriptedOptions) -> tuple[web.AppRunner, str]:
    """Start serving on the current loop; returns the runner (``await runner.cleanup()``) and base URL."""
    teacher = ScriptedTeacher(options)
    # Cancel a handler when its client goes away, so a timed-out request frees its slot like a real server.
    runner = web.AppRunner(
        teacher.app(), handler_cancellation=True, access_log=None, shutdown_timeout=options.shutdown_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port, backlog=1024)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or ()
    port = sockets[0].getsockname()[1] if sockets else options.port
    return runner, f"http://{options.host}:{port}/v1"


async def serve(options: ScriptedOptions) -> None:
    """Serve until cancelled, announcing the base URL on stdout first."""
    runner, url = await start(options)
    print(f"listening on {url}", flush=True)
    print(
        f"Scripted teacher (TEST/DEMO TOOL, not a model): model={options.model} slots={options.slots} "
        f"latency={options.latency}s error_rate={options.error_rate} seed={options.seed}",
        file=sys.stderr,
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line flags, shared by the management command and ``python -m``."""
    d = ScriptedOptions()
    parser.add_argument("--host", default=d.host)
    parser.add_argument("--port", type=int, default=d.port, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=d.latency, help="seconds of slot time per request")
    parser.add_argument("--slots", type=int, default=d.slots, help="requests processed at once; others queue")
    parser.add_argument(
        "--error-rate", type=float, default=d.error_rate, help="fraction of attempts that get a fault"
    )
    parser.add_argument(
        "--faults", default=",".join(d.faults), help=f"fault kinds to inject, from {','.join(FAULTS)}"
    )
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--model", default=d.model)
    parser.add_argument(
        "--timeout-hold", type=float, default=d.timeout_hold, help="seconds a 'timeout' fault holds a request"
    )
    parser.add_argument(
        "--retry-after", type=float, default=d.retry_after, help="Retry-After seconds on an injected 429"
    )
    parser.add_argument(
        "--judge-fail-rate",
        type=float,
        default=d.judge_fail_rate,
        help="fraction of judged items failed by hash, besides [[reject]] markers; 0 for exact counts",
    )
    parser.add_argument(
        "--fail-all", action="store_true", help="answer 503 to everything (a teacher that is down)"
    )


def options_from(values: dict[str, Any]) -> ScriptedOptions:
    faults = values.get("faults", ",".join(FAULTS))
    if isinstance(faults, str):
        faults = tuple(f.strip() for f in faults.split(",") if f.strip())
    return ScriptedOptions(
        host=values["host"],
        port=values["port"],
        latency=values["latency"],
        slots=values["slots"],
        error_rate=values["error_rate"],
        faults=tuple(faults),
        seed=values["seed"],
        model=values["model"],
        timeout_hold=values["timeout_hold"],
        retry_after=values["retry_after"],
        judge_fail_rate=values["judge_fail_rate"],
        fail_all=values["fail_all"],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m contrib.synth.scripted.server", description=HELP)
    add_arguments(parser)
    options = options_from(vars(parser.parse_args(argv)))
    try:
        asyncio.run(serve(options))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
