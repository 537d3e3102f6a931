"""The scripted teacher over real HTTP: determinism, stage shapes, markers, slots, latency and faults."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from contrib.synth.scripted import responses
from tests.synth.scripted import run_scripted_teacher

STAGE_SHAPES: dict[str, set[str]] = {
    "generate_questions": {"questions"},
    "judge_question": {"score", "verdict", "rationale"},
    "generate_answer": {"answer"},
    "judge_answer": {"score", "verdict", "rationale"},
    "generate_contexts": {"contexts"},
    "generate_grounded_questions": {"questions"},
    "generate_knowledge_qa": {"pairs"},
    "judge_knowledge": {"faithfulness", "relevancy", "question_quality", "verdict", "rationale"},
}


def body(stage: str, user: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "scripted-teacher",
        "messages": [
            {
                "role": "system",
                "content": f"[seedbed:stage={stage}]\nYou are a careful teacher. Answer in JSON.",
            },
            {"role": "user", "content": user},
        ],
        **extra,
    }


SEED_TEXT = (
    "task description: Give synonyms of words.\n"
    "example question: What is a synonym for happy?\n"
    "example answer: Joyful, cheerful and glad are synonyms for happy.\n"
)


async def post(
    session: aiohttp.ClientSession, url: str, payload: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    async with session.post(f"{url}/chat/completions", json=payload) as response:
        return response.status, dict(response.headers), await response.read()


def run_posts(url: str, payloads: list[dict[str, Any]]) -> list[tuple[int, dict[str, str], bytes]]:
    async def go() -> list[tuple[int, dict[str, str], bytes]]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            return await asyncio.gather(*(post(session, url, p) for p in payloads))

    return asyncio.run(go())


def content(raw: bytes) -> str:
    return json.loads(raw)["choices"][0]["message"]["content"]


@pytest.fixture(scope="module")
def teacher() -> Any:
    with run_scripted_teacher(slots=16, judge_fail_rate=0.0) as handle:
        yield handle


def test_same_request_same_response(teacher: Any) -> None:
    payload = body("generate_questions", SEED_TEXT + "count: 4")
    (s1, _, first), (s2, _, second) = run_posts(teacher.base_url, [payload, payload])
    assert s1 == s2 == 200
    assert first == second
    other_seed = run_posts(teacher.base_url, [body("generate_questions", SEED_TEXT + "count: 4", seed=1)])
    assert other_seed[0][2] != first


def test_openai_response_shape_and_word_token_counts(teacher: Any) -> None:
    payload = body("generate_answer", "question: What is a synonym for happy?\ncontext: Joyful means happy.")
    status, _, raw = run_posts(teacher.base_url, [payload])[0]
    data = json.loads(raw)
    assert status == 200
    assert (
        data["object"] == "chat.completion" and data["created"] == 0 and data["model"] == "scripted-teacher"
    )
    assert data["id"].startswith("chatcmpl-")
    choice = data["choices"][0]
    assert (
        choice["index"] == 0
        and choice["finish_reason"] == "stop"
        and choice["message"]["role"] == "assistant"
    )
    usage = data["usage"]
    assert usage["completion_tokens"] == len(choice["message"]["content"].split())
    assert usage["prompt_tokens"] == responses.prompt_words(payload)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.parametrize("stage", sorted(STAGE_SHAPES))
def test_each_stage_answers_json_of_its_shape(teacher: Any, stage: str) -> None:
    user = (
        SEED_TEXT + "context: Joyful and glad both mean happy.\nchunk: The river Nile flows north.\ncount: 3"
    )
    status, _, raw = run_posts(teacher.base_url, [body(stage, user)])[0]
    assert status == 200
    answer = json.loads(content(raw))
    assert set(answer) == STAGE_SHAPES[stage]
    for key in ("questions", "contexts"):
        if key in answer:
            assert len(answer[key]) == 3 and len(set(answer[key])) == 3
            assert all(isinstance(item, str) and item for item in answer[key])
    if "pairs" in answer:
        assert len(answer["pairs"]) == 3 and all(set(p) == {"question", "answer"} for p in answer["pairs"])
        assert "Nile" in answer["pairs"][0]["answer"]
    if "verdict" in answer:
        assert answer["verdict"] == "pass"
        scores = [
            answer[k] for k in ("score", "faithfulness", "relevancy", "question_quality") if k in answer
        ]
        assert all(isinstance(s, int) and 4 <= s <= 5 for s in scores)
    if "answer" in answer:
        assert "synonym for happy" in answer["answer"]


@pytest.mark.parametrize("stage", ["judge_question", "judge_answer", "judge_knowledge"])
def test_reject_marker_fails_every_judge(teacher: Any, stage: str) -> None:
    answer = json.loads(
        content(run_posts(teacher.base_url, [body(stage, "question: Is this fine? [[reject]]")])[0][2])
    )
    assert answer["verdict"] == "fail"
    assert "[[reject]]" in answer["rationale"]


def test_stage_specific_reject_marker_travels_to_its_judge(teacher: Any) -> None:
    questions = json.loads(
        content(
            run_posts(
                teacher.base_url,
                [body("generate_questions", SEED_TEXT + "[[reject:judge_answer]]\ncount: 3")],
            )[0][2]
        )
    )["questions"]
    assert "[[reject:judge_answer]]" in questions[0]
    assert not any("[[" in q for q in questions[1:])
    q_judge, answer = run_posts(
        teacher.base_url,
        [
            body("judge_question", f"question: {questions[0]}"),
            body("generate_answer", f"question: {questions[0]}"),
        ],
    )
    assert json.loads(content(q_judge[2]))["verdict"] == "pass"
    answer_text = json.loads(content(answer[2]))["answer"]
    a_judge = run_posts(
        teacher.base_url, [body("judge_answer", f"question: {questions[0]}\nanswer: {answer_text}")]
    )[0]
    assert json.loads(content(a_judge[2]))["verdict"] == "fail"


def test_malformed_marker_gives_non_json(teacher: Any) -> None:
    status, _, raw = run_posts(
        teacher.base_url, [body("generate_questions", SEED_TEXT + "[[malformed]]\ncount: 2")]
    )[0]
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(content(raw))


def test_hash_bucket_judge_failures_are_deterministic_and_explained() -> None:
    payloads = [body("judge_question", f"question: What is item number {i}?") for i in range(200)]
    verdicts = [json.loads(responses.answer(p, judge_fail_rate=0.2).content) for p in payloads]
    failed = [v for v in verdicts if v["verdict"] == "fail"]
    assert 0.1 < len(failed) / len(verdicts) < 0.3
    assert all(v["rationale"] and v["score"] <= 2 for v in failed)
    assert verdicts == [json.loads(responses.answer(p, judge_fail_rate=0.2).content) for p in payloads]


def test_models_and_stats_endpoints(teacher: Any) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{teacher.base_url}/models") as r:
                models = await r.json()
            await post(session, teacher.base_url, body("judge_answer", "answer: yes"))
            async with session.get(f"{teacher.root}/stats") as r:
                stats = await r.json()
            return models, stats

    teacher.reset_stats()
    models, stats = asyncio.run(go())
    assert [m["id"] for m in models["data"]] == ["scripted-teacher"]
    assert stats["requests"] == 1 and stats["by_stage"] == {"judge_answer": 1}
    assert teacher.reset_stats()["requests"] == 0


def test_slots_cap_concurrency_and_latency_is_slot_time() -> None:
    with run_scripted_teacher(slots=4, latency=0.2) as teacher:
        payloads = [body("generate_answer", f"question: number {i}?") for i in range(12)]
        started = time.monotonic()
        results = run_posts(teacher.base_url, payloads)
        elapsed = time.monotonic() - started
        stats = teacher.stats()
    assert all(status == 200 for status, _, _ in results)
    assert stats["max_in_flight"] == 4
    assert stats["max_open_requests"] == 12  # the others queued, as at a real server
    assert 0.6 <= elapsed < 1.5  # three waves of 0.2 s


def test_error_injection_fraction_kinds_and_retry_after() -> None:
    with run_scripted_teacher(
        slots=64, error_rate=0.3, faults=("429", "500", "malformed"), retry_after=2
    ) as teacher:
        payloads = [body("judge_question", f"question: number {i}?") for i in range(300)]
        results = run_posts(teacher.base_url, payloads)
        stats = teacher.stats()
    statuses = [status for status, _, _ in results]
    malformed = 0
    for status, _, raw in results:
        if status == 200:
            try:
                json.loads(content(raw))
            except json.JSONDecodeError:
                malformed += 1
    faults = statuses.count(429) + statuses.count(500) + malformed
    assert 0.22 <= faults / len(results) <= 0.38
    assert min(statuses.count(429), statuses.count(500), malformed) > 0
    assert stats["errors_injected_total"] == faults
    assert all(headers.get("Retry-After") == "2" for status, headers, _ in results if status == 429)


def test_a_retried_body_can_succeed() -> None:
    with run_scripted_teacher(error_rate=0.5, faults=("500",)) as teacher:
        payload = body("generate_answer", "question: will this work?")
        statuses = [run_posts(teacher.base_url, [payload])[0][0] for _ in range(12)]
    assert 200 in statuses and 500 in statuses


def test_timeout_fault_holds_the_request() -> None:
    with run_scripted_teacher(error_rate=1.0, faults=("timeout",), timeout_hold=0.4) as teacher:
        started = time.monotonic()
        status = run_posts(teacher.base_url, [body("generate_answer", "question: slow?")])[0][0]
        assert time.monotonic() - started >= 0.4
        assert status == 200
        assert teacher.stats()["errors_injected"] == {"timeout": 1}


def test_fail_all_answers_503() -> None:
    with run_scripted_teacher(fail_all=True) as teacher:
        assert run_posts(teacher.base_url, [body("generate_answer", "question: up?")])[0][0] == 503


def test_subprocess_mode_serves() -> None:
    with run_scripted_teacher(mode="process", judge_fail_rate=0.0) as teacher:
        status, _, raw = run_posts(teacher.base_url, [body("judge_question", "question: ok?")])[0]
        assert status == 200 and json.loads(content(raw))["verdict"] == "pass"
