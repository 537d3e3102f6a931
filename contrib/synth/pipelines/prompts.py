"""The prompt templates of the pipelines, read from ``prompts/<stage>.txt`` and filled with ``$names``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
USER_SEPARATOR = "=== user ==="


@cache
def _template(stage: str) -> tuple[Template, Template]:
    text = (PROMPTS_DIR / f"{stage}.txt").read_text(encoding="utf-8")
    system, _, user = text.partition(f"\n{USER_SEPARATOR}\n")
    if not user:
        raise ValueError(f"{stage}.txt has no '{USER_SEPARATOR}' line: put it between the system and user parts.")
    marker = f"[seedbed:stage={stage}]"
    if not system.startswith(marker):
        raise ValueError(f"{stage}.txt must start with the line {marker}: the teacher protocol needs it.")
    return Template(system.strip()), Template(user.strip())


def messages_for(stage: str, **values: object) -> list[dict[str, str]]:
    """The chat messages of one request of ``stage``: the system prompt (marker first) and the user part."""
    system, user = _template(stage)
    filled = {k: str(v) for k, v in values.items()}
    # Blank lines left by empty optional blocks (such as a missing context) are dropped.
    text = "\n".join(line for line in user.safe_substitute(filled).splitlines() if line.strip())
    return [{"role": "system", "content": system.safe_substitute(filled)}, {"role": "user", "content": text}]
