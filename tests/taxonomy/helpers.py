"""Small qna.yaml texts of each kind, and helpers that store them as taxonomy versions through the real service."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from taxonomy.choices import LeafKind, VersionOrigin
from taxonomy.services import LeafContent, VersionResult, version_create

ATTRIBUTION = """Title of work: Seedbed test examples
Link to work: https://example.org/seedbed-tests
License of the work: CC-BY-4.0
Creator names: Seedbed test authors
"""

FREEFORM_PATH = "compositional_skills/writing/poetry/haiku"
GROUNDED_PATH = "compositional_skills/extraction/receipts/totals"
KNOWLEDGE_PATH = "knowledge/science/botany/seed_dormancy"
FOUNDATIONAL_PATH = "foundational_skills/reasoning/counting"


def freeform_skill_yaml(first_answer: str = "Morning frost melting\nthe garden path steams softly\na robin listens") -> str:
    """A version 3 freeform skill with five seed examples; ``first_answer`` is the first example's answer."""
    answer = "\n".join("      " + line for line in first_answer.splitlines())
    return f"""version: 3
created_by: seedbed-tester
task_description: Write a haiku about the subject given in the question.
seed_examples:
  - question: Write a haiku about frost.
    answer: |
{answer}
  - question: Write a haiku about a lighthouse.
    answer: |
      Beam sweeps the dark sea
      sailors count the turning light
      home is that way, still
  - question: Write a haiku about bread.
    answer: |
      Dough rises at dawn
      the oven hums its warm song
      crust cracks like a laugh
  - question: Write a haiku about a train.
    answer: |
      Steel wheels on cold rails
      villages blur into one
      the whistle goes on
  - question: Write a haiku about moss.
    answer: |
      Green on the north stone
      patient as a sleeping cat
      rain is all it asks
"""


def grounded_skill_yaml() -> str:
    """A version 3 grounded skill: each seed example has a context to answer from."""
    examples = [
        ("Coffee 3.50\nBagel 2.25\nTotal 5.75", "What is the total?", "The total is 5.75."),
        ("Tea 2.00\nScone 3.10\nTotal 5.10", "What is the total?", "The total is 5.10."),
        ("Soup 6.00\nBread 1.50\nTotal 7.50", "How much was paid in all?", "7.50 was paid in all."),
        ("Pens 4.20\nPaper 8.80\nTotal 13.00", "What did the stationery cost?", "It cost 13.00."),
        ("Apples 3.30\nPears 2.70\nTotal 6.00", "What is the sum on the receipt?", "The sum is 6.00."),
    ]
    lines = [
        "version: 3",
        "created_by: seedbed-tester",
        "task_description: Read a shop receipt and report its total amount.",
        "seed_examples:",
    ]
    for context, question, answer in examples:
        lines.append("  - context: |")
        lines.extend("      " + line for line in context.splitlines())
        lines.append(f"    question: {question}")
        lines.append(f"    answer: {answer}")
    return "\n".join(lines) + "\n"


def knowledge_yaml() -> str:
    """A version 3 knowledge leaf: a document and five contexts with three Q&A pairs each."""
    topics = [
        ("Many seeds stay dormant until conditions favour growth.", "dormancy"),
        ("Cold stratification breaks dormancy in many temperate species.", "stratification"),
        ("A hard seed coat can block water until it is scarified.", "scarification"),
        ("Some seeds need light to germinate; others need darkness.", "light"),
        ("Smoke compounds trigger germination after wildfires.", "smoke"),
    ]
    lines = [
        "version: 3",
        "created_by: seedbed-tester",
        "domain: Botany",
        "document_outline: How and why seeds stay dormant, and what breaks dormancy.",
        "seed_examples:",
    ]
    for context, word in topics:
        lines.append(f"  - context: {context}")
        lines.append("    questions_and_answers:")
        for n in range(1, 4):
            lines.append(f"      - question: Question {n} about {word}?")
            lines.append(f"        answer: Answer {n} about {word}.")
    lines += [
        "document:",
        "  repo: https://example.org/botany-notes.git",
        "  commit: 0123456789abcdef0123456789abcdef01234567",
        "  patterns:",
        "    - seeds/dormancy.md",
    ]
    return "\n".join(lines) + "\n"


def leaf(
    path: str,
    qna: str,
    *,
    attribution: str | None = ATTRIBUTION,
    documents: Mapping[str, bytes] | None = None,
) -> LeafContent:
    """A LeafContent for ``qna``, with the kind and schema version read from the text as the validator would."""
    data = yaml.safe_load(qna)
    if "document" in data:
        kind = LeafKind.KNOWLEDGE
    elif any(isinstance(e, dict) and "context" in e for e in data.get("seed_examples", [])):
        kind = LeafKind.GROUNDED_SKILL
    else:
        kind = LeafKind.FREEFORM_SKILL
    return LeafContent(
        path=path,
        qna=qna.encode(),
        attribution=attribution.encode() if attribution is not None else None,
        kind=kind.value,
        schema_version=int(data["version"]),
        data=data,
        documents=dict(documents or {}),
    )


def commit(*changes: LeafContent, message: str = "Import the test tree") -> VersionResult:
    """Store ``changes`` as one new version, as an import would."""
    return version_create(changes=list(changes), message=message, origin=VersionOrigin.IMPORT, origin_ref="tests")


def standard_tree() -> VersionResult:
    """Version 1: one leaf of each kind, plus a foundational skill."""
    return commit(
        leaf(FREEFORM_PATH, freeform_skill_yaml()),
        leaf(GROUNDED_PATH, grounded_skill_yaml()),
        leaf(KNOWLEDGE_PATH, knowledge_yaml(), documents={"dormancy.md": b"# Seed dormancy\n\nSeeds wait.\n"}),
        leaf(FOUNDATIONAL_PATH, freeform_skill_yaml("One two three")),
    )
