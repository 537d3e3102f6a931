"""The scripted teacher's answers: a pure function of (seed, request body) for each pipeline stage.

TEST AND DEMO TOOL. Nothing here is a model; it echoes its input in the shape our pipelines expect.

Protocol (shared with ``contrib.synth.pipelines``): the first (system) message starts with a line
``[seedbed:stage=<stage>]``; the user message holds ``key: value`` lines, and ``count: N`` where a stage
generates a list. The answer is one JSON object in ``choices[0].message.content``.

Markers that tests plant in seed examples, contexts or documents:

- ``[[reject]]`` anywhere in a judge's user message fails that judge; ``[[reject:<stage>]]`` fails only the
  judge of that stage (for example ``[[reject:judge_answer]]`` passes the question judge and fails the
  answer judge).
- ``[[malformed]]`` in the user message makes the answer non-JSON; ``[[malformed:<stage>]]`` only at that
  stage.
- Generation stages copy every marker found in their input into the FIRST item they generate (index 0)
  and into no other, so one planted marker filters exactly one generated item per request.

Besides markers, a judge fails an item when the hash of (seed, stage, user message) falls in the lowest
``judge_fail_rate`` fraction of buckets, so a demo shows some filtering; set it to 0 for exact counts.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Any

STAGE_RE = re.compile(r"\[seedbed:stage=([a-z_]+)\]")
COUNT_RE = re.compile(r"^\s*count:\s*(\d+)\s*$", re.MULTILINE)
KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_ \-]{0,40}):\s?(.*)$")
MARKER_RE = re.compile(r"\[\[(?:reject|malformed)(?::[a-z_]+)?\]\]")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]{3,}")

GENERATION_STAGES = {
    "generate_questions",
    "generate_answer",
    "generate_contexts",
    "generate_grounded_questions",
    "generate_knowledge_qa",
}
JUDGE_STAGES = {"judge_question", "judge_answer", "judge_knowledge"}
STAGES = GENERATION_STAGES | JUDGE_STAGES
MAX_COUNT = 50

# Words that make poor topics for a derived question.
# fmt: off
STOPWORDS = frozenset((
    "about", "above", "after", "again", "against", "also", "answer", "because", "been", "before",
    "being", "below", "between", "both", "could", "does", "doing", "down", "during", "each", "example",
    "examples", "from", "further", "have", "having", "here", "into", "itself", "just", "more", "most",
    "only", "other", "over", "question", "questions", "same", "should", "some", "such", "than", "that",
    "their", "them", "then", "there", "these", "they", "this", "those", "through", "under", "until",
    "very", "were", "what", "when", "where", "which", "while", "will", "with", "would", "your", "yours",
    "count", "context", "chunk", "document", "seed", "task", "description",
))
# fmt: on


@dataclass(frozen=True)
class Reply:
    """What the scripted teacher says: the message content and the stage it recognised."""

    content: str
    stage: str


def canonical(body: Any) -> bytes:
    """The request body in one stable byte form, so equal requests hash equally."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(seed: int, *parts: bytes | str) -> bytes:
    """sha256 over the seed and the parts, the root of every scripted decision."""
    h = hashlib.sha256(str(seed).encode())
    for part in parts:
        h.update(b"\x00")
        h.update(part.encode() if isinstance(part, str) else part)
    return h.digest()


def bucket(seed: int, *parts: bytes | str) -> float:
    """A deterministic number in [0, 1) for the parts."""
    return int.from_bytes(digest(seed, *parts)[:8], "big") / 2**64


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def split_messages(body: dict[str, Any]) -> tuple[str, str]:
    """The system text and the user text (all user messages joined) of a chat request."""
    system: list[str] = []
    user: list[str] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        (system if message.get("role") == "system" else user).append(_text(message.get("content")))
    return "\n".join(system), "\n".join(user)


def stage_of(system: str, user: str) -> str:
    match = STAGE_RE.search(system) or STAGE_RE.search(user)
    return match.group(1) if match else "unknown"


def fields(user: str) -> dict[str, str]:
    """``key: value`` blocks of the user message; a line without a key continues the previous value."""
    out: dict[str, str] = {}
    key = ""
    for line in user.splitlines():
        match = KEY_RE.match(line)
        if match:
            key = match.group(1).strip().lower()
            out[key] = (out[key] + "\n" + match.group(2)) if key in out else match.group(2)
        elif key:
            out[key] += "\n" + line
    return {k: v.strip() for k, v in out.items()}


def count_of(user: str, default: int = 3) -> int:
    match = COUNT_RE.search(user)
    return max(0, min(int(match.group(1)), MAX_COUNT)) if match else default


def markers(text: str) -> list[str]:
    """The planted markers in order of first appearance, each once."""
    return list(dict.fromkeys(MARKER_RE.findall(text)))


def _material(user: str) -> str:
    """The user text minus the count line and markers: what to echo."""
    return MARKER_RE.sub("", COUNT_RE.sub("", user)).strip()


def _topics(text: str) -> list[str]:
    words = [w.lower() for w in WORD_RE.findall(text)]
    topics = list(dict.fromkeys(w for w in words if w not in STOPWORDS))
    return topics or ["this topic"]


def _first_sentence(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    for stop in (". ", "? ", "! "):
        if stop in text:
            text = text.split(stop, 1)[0] + stop.strip()
            break
    return text[:limit]


QUESTION_TEMPLATES = (
    "How would you explain {a} to someone who has never heard of {b}?",
    "What is the difference between {a} and {b}?",
    "Can you give an example that involves {a} and {b}?",
    "Why does {a} matter when thinking about {b}?",
    "Write a short piece about {a} that mentions {b}.",
    "What are common mistakes people make with {a}?",
    "Describe {a} in one paragraph, then relate it to {b}.",
    "Which steps lead from {a} to {b}?",
)


def _questions(rng: random.Random, topics: list[str], n: int, tag: str) -> list[str]:
    out: list[str] = []
    for i in range(n):
        a = rng.choice(topics)
        b = rng.choice([t for t in topics if t != a] or topics)
        template = QUESTION_TEMPLATES[(rng.randrange(len(QUESTION_TEMPLATES)) + i) % len(QUESTION_TEMPLATES)]
        # The index keeps the items of one request distinct, so in-leaf dedup only drops what it must.
        out.append(f"{template.format(a=a, b=b)} ({tag} {i + 1})")
    return out


def _plant(items: list[str], planted: list[str]) -> list[str]:
    if items and planted:
        items[0] = f"{items[0]} {' '.join(planted)}"
    return items


def _carry(planted: list[str], stage: str) -> list[str]:
    """Markers a generation stage passes on: all but those aimed at itself (malformed ones fire here)."""
    return [m for m in planted if m != f"[[malformed:{stage}]]"]


def _judge(seed: int, stage: str, user: str, fail_rate: float, rng: random.Random) -> dict[str, Any]:
    planted = markers(user)
    if "[[reject]]" in planted or f"[[reject:{stage}]]" in planted:
        reason = "The item carries a planted [[reject]] marker; it is off-topic and cannot be verified."
        passed = False
    elif bucket(seed, "judge", stage, user) < fail_rate:
        reason = rng.choice(
            (
                "The text is vague and does not stay on the topic of the examples.",
                "The answer does not follow from the material it was given.",
                "The question is ambiguous; two readings lead to different answers.",
                "It repeats the seed example almost word for word instead of adding something new.",
            )
        )
        passed = False
    else:
        reason = rng.choice(
            (
                "Clear, on topic and consistent with the examples.",
                "Well formed and grounded in the given material.",
                "Specific and answerable; matches the style of the seed examples.",
            )
        )
        passed = True
    score = rng.choice((4, 5)) if passed else rng.choice((1, 2))
    verdict = "pass" if passed else "fail"
    if stage == "judge_knowledge":
        scores = {"faithfulness": score, "relevancy": score, "question_quality": score}
        if passed:
            scores = {k: rng.choice((4, 5)) for k in scores}
        return {**scores, "verdict": verdict, "rationale": reason}
    return {"score": score, "verdict": verdict, "rationale": reason}


def answer(body: dict[str, Any], *, seed: int = 0, judge_fail_rate: float = 0.15) -> Reply:
    """The scripted reply to one chat completion request body."""
    system, user = split_messages(body)
    stage = stage_of(system, user)
    planted = markers(user)
    if "[[malformed]]" in planted or f"[[malformed:{stage}]]" in planted:
        return Reply("Sure! Here is what you asked for, though not as JSON:\n- one\n- two", stage)

    rng = random.Random(digest(seed, canonical(body)))
    material = _material(user)
    given = fields(material)
    topics = _topics(material)
    n = count_of(user)
    carry = _carry(planted, stage)
    result: dict[str, Any]

    if stage in JUDGE_STAGES:
        result = _judge(seed, stage, user, judge_fail_rate, rng)
    elif stage in ("generate_questions", "generate_grounded_questions"):
        tag = "grounded question" if stage == "generate_grounded_questions" else "question"
        result = {"questions": _plant(_questions(rng, topics, n, tag), carry)}
    elif stage == "generate_answer":
        question = given.get("question") or next(
            (v for k, v in given.items() if "question" in k and v), _first_sentence(material)
        )
        context = given.get("context") or given.get("chunk") or ""
        basis = _first_sentence(context) if context else f"it comes down to {', '.join(topics[:3])}"
        text = f'To answer "{MARKER_RE.sub("", question).strip()}": {basis}'
        result = {"answer": " ".join([text, *carry])}
    elif stage == "generate_contexts":
        items = []
        for i in range(n):
            picked = rng.sample(topics, k=min(3, len(topics)))
            items.append(
                f"Context {i + 1}: a short passage about {', '.join(picked)}. "
                f"It describes how {picked[0]} relates to {picked[-1]} in everyday situations."
            )
        result = {"contexts": _plant(items, carry)}
    elif stage == "generate_knowledge_qa":
        chunk = given.get("chunk") or given.get("document") or given.get("context") or material
        sentence = _first_sentence(chunk)
        questions = _questions(rng, topics, n, "knowledge question")
        pairs = [{"question": q, "answer": f"According to the document, {sentence}"} for q in questions]
        if pairs and carry:
            pairs[0]["question"] = f"{pairs[0]['question']} {' '.join(carry)}"
        result = {"pairs": pairs}
    else:
        result = {"error": f"unknown stage {stage!r}; the system message must start with [seedbed:stage=...]"}
    return Reply(json.dumps(result, ensure_ascii=False), stage)


def words(text: str) -> int:
    """The scripted token count: whitespace-separated words."""
    return len(text.split())


def prompt_words(body: dict[str, Any]) -> int:
    system, user = split_messages(body)
    return words(system) + words(user)
