"""The dataset card: Hub YAML metadata that parses with the required keys, and a deterministic, escaped body."""

from __future__ import annotations

import dataclasses
import re

import yaml

from contrib.releases.formats.card import (
    CardInfo,
    CompositionRow,
    GenerationInfo,
    SplitRows,
    attributions_from_text,
    render_card,
    size_category,
    split_front_matter,
)
from contrib.releases.formats.diff import Snapshot, release_diff

ATTRIBUTION = """Title of work: Pipes | and <tags>
Link to work: https://example.org/work
Revision: 1
License of the work: CC BY 4.0
Creator names: Ann | Bob
"""


def info(**overrides: object) -> CardInfo:
    values: dict[str, object] = {
        "version": "2026.11.0",
        "pretty_name": "Seedbed community data",
        "composition": (
            CompositionRow("knowledge/science", "knowledge", 1500, 2),
            CompositionRow("compositional_skills/linguistics", "freeform_skill", 300, 3),
        ),
        "splits": (
            SplitRows("skills", "test", 30),
            SplitRows("skills", "train", 270),
            SplitRows("knowledge", "train", 1500),
            SplitRows("knowledge", "test", 0),
        ),
        "licenses": ("CC-BY-4.0", "Apache-2.0"),
        "contributors": ("zed", "Ada | the pipe", "ada", "zed"),
        "attributions": tuple(attributions_from_text("knowledge/science/physics", ATTRIBUTION)),
        "generation": (GenerationInfo(4, "granite-7b", "knowledge", "1.2", 1400), GenerationInfo(2, "m|x", "simple", "1.0", 280)),
        "taxonomy_version": 12,
        "previous_version": "2026.10.0",
        "diff": release_diff(
            Snapshot({"knowledge/science/physics": "a", "old/gone/leaf": "b"}, {"knowledge/science": 1000}),
            Snapshot({"knowledge/science/physics": "c", "compositional_skills/linguistics/syn": "d"},
                     {"knowledge/science": 1500, "compositional_skills/linguistics": 300}),
        ),
        "filtered": {"near_duplicate": 12, "exact_duplicate": 3},
        "seed_rows": 120,
        "synthetic_rows": 1680,
        "system_prompt": "You are a helpful assistant.",
        "hub_repo_id": "org/seedbed",
    }
    values.update(overrides)
    return CardInfo(**values)  # type: ignore[arg-type]


def test_front_matter_parses_with_the_hub_keys() -> None:
    card = render_card(info())
    metadata, body = split_front_matter(card)
    assert metadata == yaml.safe_load(card.split("---\n")[1])
    assert metadata["license"] == ["apache-2.0", "cc-by-4.0"]
    assert metadata["language"] == ["en"]
    assert metadata["task_categories"] == ["text-generation", "question-answering"]
    assert metadata["size_categories"] == ["1K<n<10K"]
    assert metadata["pretty_name"] == "Seedbed community data"
    assert metadata["configs"] == [
        {"config_name": "knowledge", "data_files": [{"split": "train", "path": "knowledge/train-*.parquet"}]},
        {
            "config_name": "skills",
            "data_files": [
                {"split": "train", "path": "skills/train-*.parquet"},
                {"split": "test", "path": "skills/test-*.parquet"},
            ],
        },
    ]
    assert body.startswith("\n# Seedbed community data\n")


def test_card_is_deterministic_whatever_the_input_order() -> None:
    first = info()
    shuffled = dataclasses.replace(
        first,
        composition=first.composition[::-1],
        splits=first.splits[::-1],
        licenses=first.licenses[::-1],
        contributors=first.contributors[::-1],
        generation=first.generation[::-1],
        filtered=dict(reversed(list(first.filtered.items()))),
    )
    assert render_card(first) == render_card(info()) == render_card(shuffled)


def test_body_sections() -> None:
    card = render_card(info())
    assert "| knowledge/science | knowledge | 1,500 | 2 |" in card
    assert card.index("compositional_skills/linguistics | freeform_skill") < card.index("| knowledge/science |")
    assert "## Changes since 2026.10.0" in card
    assert "**Leaves added** (1):\n\n- `compositional_skills/linguistics/syn`" in card
    assert "**Leaves removed** (1):\n\n- `old/gone/leaf`" in card
    assert "**Leaves changed** (1):\n\n- `knowledge/science/physics`" in card
    assert "| knowledge/science | 1,000 | 1,500 | +500 |" in card
    assert "| near_duplicate | 12 |" in card
    assert card.index("- ada\n") < card.index("- Ada | the pipe\n")
    assert card.count("- zed") == 1
    assert "| `knowledge/science/physics` | Pipes \\| and &lt;tags&gt; | https://example.org/work | CC BY 4.0 | Ann \\| Bob |" in card
    assert "| 2 | m\\|x | simple | 1.0 | 280 |" in card
    assert "You are a helpful assistant." in card
    assert 'load_dataset("parquet", data_files={"train": "skills/train-*.parquet", "test": "skills/test-*.parquet"})' in card
    assert 'load_dataset("org/seedbed", "knowledge", revision="2026.11.0")' in card
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", card)  # no dates or times: builds must match


def test_table_rows_have_the_right_number_of_cells() -> None:
    for line in render_card(info()).splitlines():
        if line.startswith("| `knowledge/science/physics`"):
            cells = [cell for cell in line.replace("\\|", "").split("|")]
            assert len(cells) == 7  # 5 cells and the two outer edges


def test_licence_variants_and_first_release() -> None:
    single, _ = split_front_matter(render_card(info(licenses=("MIT", "mit"))))
    assert single["license"] == "mit"
    mixed, _ = split_front_matter(render_card(info(licenses=("MIT", "Some Custom Licence"))))
    assert mixed["license"] == "other" and mixed["license_name"] == "mixed" and "license_link" in mixed
    first = render_card(info(previous_version=None, diff=None, filtered={}, hub_repo_id=""))
    assert "The first release" in first and "Rows left out" not in first and "org/seedbed" not in first


def test_size_categories() -> None:
    assert [size_category(n) for n in (0, 999, 1000, 10_000, 999_999, 1_000_000, 5_000_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "n>1B",
    ]
