"""Reading the teacher's answers: one JSON object of the shape each stage asks for, or None when malformed."""

from __future__ import annotations

import json
from typing import Any

from contrib.synth.choices import Stage


def _json_object(text: str) -> dict[str, Any] | None:
    text = text.strip()
    if text.startswith("```"):
        # Some servers wrap JSON in a Markdown fence despite being asked not to.
        text = text.strip("`").removeprefix("json").strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


def _score(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
        return None
    return int(value)


def _verdict(obj: dict[str, Any]) -> dict[str, Any] | None:
    verdict = obj.get("verdict")
    if verdict not in ("pass", "fail"):
        return None
    return {"verdict": verdict, "rationale": str(obj.get("rationale", ""))}


def parse(stage: str, text: str) -> dict[str, Any] | None:
    """The stage's answer in its canonical shape, or None when it is not the JSON object asked for."""
    obj = _json_object(text)
    if obj is None:
        return None
    if stage in (Stage.GENERATE_QUESTIONS, Stage.GENERATE_GROUNDED_QUESTIONS):
        questions = _strings(obj.get("questions"))
        return {"questions": questions} if questions is not None else None
    if stage == Stage.GENERATE_CONTEXTS:
        contexts = _strings(obj.get("contexts"))
        return {"contexts": contexts} if contexts is not None else None
    if stage == Stage.GENERATE_ANSWER:
        answer = obj.get("answer")
        return {"answer": answer.strip()} if isinstance(answer, str) and answer.strip() else None
    if stage == Stage.GENERATE_KNOWLEDGE_QA:
        pairs = obj.get("pairs")
        if not isinstance(pairs, list):
            return None
        cleaned = []
        for pair in pairs:
            if not isinstance(pair, dict):
                return None
            q, a = pair.get("question"), pair.get("answer")
            if not (isinstance(q, str) and q.strip() and isinstance(a, str) and a.strip()):
                return None
            cleaned.append({"question": q.strip(), "answer": a.strip()})
        return {"pairs": cleaned}
    if stage in (Stage.JUDGE_QUESTION, Stage.JUDGE_ANSWER):
        verdict, score = _verdict(obj), _score(obj.get("score"))
        return {**verdict, "score": score} if verdict is not None and score is not None else None
    if stage == Stage.JUDGE_KNOWLEDGE:
        verdict = _verdict(obj)
        scores = {k: _score(obj.get(k)) for k in ("faithfulness", "relevancy", "question_quality")}
        if verdict is None or any(v is None for v in scores.values()):
            return None
        return {**verdict, **scores}
    raise ValueError(f"Unknown stage {stage!r}: use one of {', '.join(Stage.values)}.")
