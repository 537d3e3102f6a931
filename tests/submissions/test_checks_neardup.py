"""Tests of near-duplicate detection: ranking, per-example collisions, determinism, speed."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from contrib.submissions.checks.neardup import (
    ExampleMatch,
    Match,
    NearDupIndex,
    example_matches,
    leaf_items,
    leaf_texts,
    minhash,
    shingles,
)

TOPICS = {
    "tides": [
        (
            "What causes the tides on Earth?",
            "The gravitational pull of the Moon and, to a lesser degree, the Sun.",
        ),
        (
            "How many high tides happen each day?",
            "Most coasts see two high tides and two low tides every lunar day.",
        ),
        ("What is a spring tide?", "A spring tide happens at new and full moon when the Sun and Moon align."),
        (
            "What is a neap tide?",
            "A neap tide happens at the quarter moons, when the tidal range is smallest.",
        ),
        (
            "Where are the largest tides?",
            "The Bay of Fundy in Canada has a tidal range of up to sixteen metres.",
        ),
    ],
    "bread": [
        (
            "Why does bread dough rise?",
            "Yeast ferments sugars and releases carbon dioxide that the gluten traps.",
        ),
        (
            "What does kneading do?",
            "Kneading develops gluten strands that give the loaf its chewy structure.",
        ),
        ("Why add salt to bread?", "Salt seasons the bread, tightens gluten and slows the yeast down."),
        (
            "What is a sourdough starter?",
            "A culture of wild yeast and lactic acid bacteria kept in flour and water.",
        ),
        (
            "Why rest dough before shaping?",
            "Resting relaxes the gluten so the dough is easier to shape without tearing.",
        ),
    ],
    "planets": [
        (
            "Which planet is the largest?",
            "Jupiter is the largest planet, more than twice as massive as all others.",
        ),
        ("Why is Mars red?", "Iron oxide dust on its surface gives Mars its rusty red colour."),
        (
            "Does Venus have seasons?",
            "Barely: its axis is tilted only about three degrees, so seasons are faint.",
        ),
        (
            "What are Saturn's rings made of?",
            "Mostly water ice, with some rock and dust, in countless small pieces.",
        ),
        ("Which planet spins on its side?", "Uranus, whose axis is tilted by about ninety-eight degrees."),
    ],
}


def skill(topic: str) -> dict[str, Any]:
    return {
        "version": 3,
        "created_by": "tests",
        "task_description": f"Answer questions about {topic}.",
        "seed_examples": [{"question": q, "answer": a} for q, a in TOPICS[topic]],
    }


def knowledge() -> dict[str, Any]:
    return {
        "version": 3,
        "domain": "astronomy",
        "document_outline": "Planets.",
        "seed_examples": [
            {
                "context": "Jupiter is the largest planet in the Solar System, a gas giant with a red spot.",
                "questions_and_answers": [{"question": q, "answer": a} for q, a in TOPICS["planets"][:3]],
            }
        ],
        "document": {"repo": "https://example.org/docs", "commit": "abc", "patterns": ["*.md"]},
    }


def edited(data: dict[str, Any]) -> dict[str, Any]:
    """A lightly edited copy: one question reworded, one answer extended, punctuation and case changed."""
    copied = copy.deepcopy(data)
    copied["seed_examples"][0]["question"] = "WHAT causes tides on the Earth??"
    copied["seed_examples"][1]["answer"] += " Some seas have only one."
    copied["seed_examples"][3]["question"] = copied["seed_examples"][3]["question"].lower()
    return copied


def test_leaf_texts_reads_skills_and_knowledge_of_any_version() -> None:
    assert leaf_texts(skill("tides"))[:2] == [TOPICS["tides"][0][0], TOPICS["tides"][0][1]]
    assert len(leaf_texts(skill("tides"))) == 10
    grounded = {"seed_examples": [{"context": "C", "question": "Q", "answer": "A"}, "junk", {"answer": 3}]}
    assert leaf_texts(grounded) == ["C", "Q", "A"]
    assert leaf_items(knowledge())[:3] == [
        (".seed_examples[0].context", knowledge()["seed_examples"][0]["context"]),
        (".seed_examples[0].questions_and_answers[0].question", TOPICS["planets"][0][0]),
        (".seed_examples[0].questions_and_answers[0].answer", TOPICS["planets"][0][1]),
    ]
    assert leaf_texts(None) == leaf_texts({}) == leaf_texts({"seed_examples": "x"}) == []
    assert leaf_texts({"seed_examples": [{"question": "   ", "answer": ""}]}) == []


def test_shingles_normalise_case_spacing_and_punctuation() -> None:
    assert shingles("The  Quick, brown fox — jumps!\nover") == {
        "the quick brown fox jumps",
        "quick brown fox jumps over",
    }
    assert shingles("THE quick brown fox jumps over") == shingles("the   quick brown? fox; jumps over.")
    assert shingles("Why is Mars red?") == {"why is mars red"}
    assert shingles("Why is Mars red?", k=2) == {"why is", "is mars", "mars red"}
    assert shingles("snake_case and ünïcödé ÄÖÜ") == {"snake case and ünïcödé äöü"}
    assert shingles("?!") == set() == shingles("")


def test_minhash_is_deterministic_across_processes() -> None:
    texts = leaf_texts(skill("tides"))
    here = minhash(texts).hashvalues.tolist()
    assert minhash(texts).hashvalues.tolist() == here
    code = (
        "import json, sys; sys.path.insert(0, '.');"
        "from contrib.submissions.checks.neardup import minhash;"
        f"print(json.dumps(minhash({texts!r}).hashvalues.tolist()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert yaml.safe_load(other.stdout) == here
    assert minhash(texts, seed=2).hashvalues.tolist() != here
    assert len(minhash(texts, num_perm=64).hashvalues) == 64


def test_a_leaf_matches_itself_exactly() -> None:
    index = NearDupIndex({f"leaf:{topic}": skill(topic) for topic in TOPICS})
    assert index.query(skill("tides"))[0] == Match("leaf:tides", 1.0)


def test_a_lightly_edited_copy_ranks_first_and_unrelated_leaves_stay_below_threshold() -> None:
    index = NearDupIndex({f"leaf:{topic}": skill(topic) for topic in TOPICS} | {"submission:7": knowledge()})
    matches = index.query(edited(skill("tides")), threshold=0.5)
    assert [match.key for match in matches] == ["leaf:tides"]
    assert 0.5 <= matches[0].similarity < 1.0
    everything = index.query(edited(skill("tides")), k=10, threshold=0.0)
    assert everything[0].key == "leaf:tides"
    assert all(match.similarity < 0.2 for match in everything[1:])
    assert [m.similarity for m in everything] == sorted((m.similarity for m in everything), reverse=True)


def test_query_limits_excludes_and_ignores_empty_leaves() -> None:
    index = NearDupIndex(
        {"a": skill("tides"), "b": skill("tides"), "c": skill("bread"), "empty": {"version": 3}}
    )
    assert "empty" not in index and len(index) == 3
    assert [m.key for m in index.query(skill("tides"))] == ["a", "b"]
    assert [m.key for m in index.query(skill("tides"), k=1)] == ["a"]
    assert [m.key for m in index.query(skill("tides"), exclude=["a"])] == ["b"]
    assert index.query({"seed_examples": []}) == []
    assert index.query(skill("tides"), k=0) == []


def test_add_replaces_and_remove_forgets() -> None:
    index = NearDupIndex()
    index.add("x", skill("tides"))
    index.add("x", skill("bread"))
    assert len(index) == 1
    assert [m.key for m in index.query(skill("bread"))] == ["x"]
    assert index.query(skill("tides")) == []
    index.remove("x")
    index.remove("never added")
    assert index.query(skill("bread")) == []


def test_example_matches_point_at_the_colliding_examples() -> None:
    ours = edited(skill("tides"))
    ours["seed_examples"].append(
        {"question": "Why is Mars red?", "answer": "Because of the rust on its surface."}
    )
    theirs = skill("planets")
    pairs = example_matches(ours, skill("tides") | {}, threshold=0.7)
    assert all(isinstance(pair, ExampleMatch) for pair in pairs)
    assert (".seed_examples[2].question", ".seed_examples[2].question", 1.0) in pairs
    assert (".seed_examples[3].question", ".seed_examples[3].question", 1.0) in pairs
    assert not any(pair.ours == ".seed_examples[0].question" for pair in pairs)  # reworded
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)
    assert all(p.ours.rsplit(".", 1)[1] == p.theirs.rsplit(".", 1)[1] for p in pairs)
    assert example_matches(ours, theirs) == [
        ExampleMatch(".seed_examples[5].question", ".seed_examples[1].question", 1.0)
    ]
    assert example_matches(skill("bread"), theirs) == []


def test_example_matches_across_kinds_and_versions() -> None:
    grounded = {
        "seed_examples": [
            {
                "context": knowledge()["seed_examples"][0]["context"],
                "question": "Q?",
                "answer": TOPICS["planets"][1][1],
            }
        ]
    }
    pairs = example_matches(grounded, knowledge())
    assert (".seed_examples[0].context", ".seed_examples[0].context", 1.0) in pairs
    assert (".seed_examples[0].answer", ".seed_examples[0].questions_and_answers[1].answer", 1.0) in pairs


def test_indexing_and_querying_take_a_few_milliseconds_per_leaf(samples: Path) -> None:
    leaves = {}
    for file in sorted(samples.rglob("*.yaml")):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, ValueError):
            continue
        if leaf_texts(data):
            leaves[file.as_posix()] = data
    assert len(leaves) > 150
    started = time.perf_counter()
    index = NearDupIndex(leaves)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for data in list(leaves.values())[:50]:
        assert index.query(data, threshold=0.5)
    queried = time.perf_counter() - started
    assert built / len(leaves) < 0.02 and queried / 50 < 0.02, (built, queried)


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.9])
def test_lsh_retrieval_finds_what_a_full_scan_finds(threshold: float) -> None:
    leaves = {f"leaf:{topic}:{i}": skill(topic) for topic in TOPICS for i in range(3)}
    leaves["near"] = edited(skill("bread"))
    index = NearDupIndex(leaves)
    query = skill("bread")
    full = sorted(
        (
            Match(key, float(minhash(leaf_texts(query)).jaccard(minhash(leaf_texts(data)))))
            for key, data in leaves.items()
        ),
        key=lambda match: (-match.similarity, match.key),
    )
    assert index.query(query, k=100, threshold=threshold) == [m for m in full if m.similarity >= threshold]
