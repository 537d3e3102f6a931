"""The dataset card of a release: README.md with the Hub's YAML metadata and a deterministic body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from taxonomy.format.attribution import normalize_license, parse_attributions

#: The Hub's licence ids for the SPDX ids InstructLab allows.
HUB_LICENSES = {
    "CC0-1.0": "cc0-1.0",
    "CDLA-Permissive-2.0": "cdla-permissive-2.0",
    "CC-BY-4.0": "cc-by-4.0",
    "CC-BY-SA-4.0": "cc-by-sa-4.0",
    "Apache-2.0": "apache-2.0",
    "MIT": "mit",
}

_SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


@dataclass(frozen=True)
class CompositionRow:
    """Rows and leaves of one kind in one area."""

    area: str
    kind: str
    rows: int
    leaves: int


@dataclass(frozen=True)
class SplitRows:
    """Rows in one split of one config; a split with rows gets a data_files entry in the card's YAML."""

    config_name: str
    split: str
    rows: int


@dataclass(frozen=True)
class Attribution:
    """One source work of a leaf, from its attribution.txt."""

    leaf_path: str
    title: str
    link: str
    license: str
    creators: str
    revision: str = ""


@dataclass(frozen=True)
class GenerationInfo:
    """One generation run's part in the release: its teacher model, pipeline and rows."""

    run_id: int
    teacher_model: str
    pipeline: str
    pipeline_version: str
    rows: int


@dataclass(frozen=True)
class CardInfo:
    """Everything the card says; the caller has applied consent (contributors are credited names or
    pseudonyms) and gathered the counts. Order of the collections does not matter: the card sorts them."""

    version: str
    pretty_name: str
    composition: tuple[CompositionRow, ...]
    splits: tuple[SplitRows, ...]
    licenses: tuple[str, ...]
    contributors: tuple[str, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    generation: tuple[GenerationInfo, ...] = ()
    taxonomy_version: int | None = None
    previous_version: str | None = None
    diff: Mapping[str, Any] | None = None
    filtered: Mapping[str, int] = field(default_factory=dict)
    seed_rows: int = 0
    synthetic_rows: int = 0
    system_prompt: str = ""
    summary: str = ""
    hub_repo_id: str = ""
    language: tuple[str, ...] = ("en",)


def attributions_from_text(leaf_path: str, text: str) -> list[Attribution]:
    """Each work an attribution.txt names, for :attr:`CardInfo.attributions`."""
    return [
        Attribution(
            leaf_path=leaf_path,
            title=work.title_of_work,
            link=work.link_to_work,
            license=work.license_of_the_work,
            creators=work.creator_names,
            revision=work.revision,
        )
        for work in parse_attributions(text)
    ]


def size_category(rows: int) -> str:
    """The Hub's size_categories bucket for ``rows``."""
    for limit, name in _SIZE_BUCKETS:
        if rows < limit:
            return name
    return "n>1B"


def card_metadata(info: CardInfo) -> dict[str, Any]:
    """The card's YAML metadata, in the Hub's field names."""
    total = sum(row.rows for row in info.composition)
    metadata: dict[str, Any] = {"pretty_name": info.pretty_name}
    metadata.update(_license_metadata(info.licenses))
    metadata["language"] = sorted(set(info.language))
    metadata["task_categories"] = ["text-generation", "question-answering"]
    metadata["size_categories"] = [size_category(total)]
    metadata["tags"] = ["instructlab", "synthetic", "seedbed"]
    configs = []
    for config_name in sorted({split.config_name for split in info.splits if split.rows > 0}):
        data_files = [
            {"split": split.split, "path": f"{config_name}/{split.split}-*.parquet"}
            for split in sorted(info.splits, key=lambda split: (split.split != "train", split.split))
            if split.config_name == config_name and split.rows > 0
        ]
        configs.append({"config_name": config_name, "data_files": data_files})
    metadata["configs"] = configs
    return metadata


def render_card(info: CardInfo) -> str:
    """README.md: YAML front matter then the body, byte-identical for equal ``info``."""
    front = yaml.safe_dump(card_metadata(info), sort_keys=False, allow_unicode=True, width=1000)
    sections = [
        _summary(info),
        _composition(info),
        _changes(info),
        _filtered(info),
        _contributors(info),
        _licences(info),
        _generation(info),
        _loading(info),
        _format(info),
    ]
    body = "\n\n".join(section.strip("\n") for section in sections if section)
    return f"---\n{front}---\n\n{body}\n"


def split_front_matter(card: str) -> tuple[dict[str, Any], str]:
    """(metadata, body) of a card :func:`render_card` wrote."""
    if not card.startswith("---\n"):
        raise ValueError("The card has no YAML front matter: it must start with a '---' line.")
    front, _, body = card[4:].partition("\n---\n")
    return yaml.safe_load(front), body


def _license_metadata(licenses: Iterable[str]) -> dict[str, Any]:
    ids = sorted({normalize_license(value) or value.strip() for value in licenses if value.strip()})
    hub_ids = [HUB_LICENSES.get(value) for value in ids]
    if not ids:
        return {"license": "other", "license_name": "unknown", "license_link": "LICENSE"}
    if all(hub_ids):
        known = sorted(value for value in hub_ids if value)
        return {"license": known[0] if len(known) == 1 else known}
    return {
        "license": "other",
        "license_name": "mixed",
        # the card's own section lists the licence of every source work
        "license_link": "README.md#licence-and-attribution",
    }


def _summary(info: CardInfo) -> str:
    total = sum(row.rows for row in info.composition)
    leaves = sum(row.leaves for row in info.composition)
    areas = len({row.area for row in info.composition})
    lines = [f"# {_md_text(info.pretty_name)}", ""]
    if info.summary:
        lines += [_md_text(info.summary), ""]
    taxonomy = f" of taxonomy version {info.taxonomy_version}" if info.taxonomy_version is not None else ""
    lines.append(
        f"Release **{_md_text(info.version)}**{taxonomy}: {total:,} rows from {leaves:,} leaves in "
        f"{areas:,} areas ({info.seed_rows:,} seed examples, {info.synthetic_rows:,} synthetic)."
    )
    lines.append("")
    lines.append(
        "Every row carries its provenance: leaf path and revision, submission, contributor, teacher model, "
        "pipeline and run, whether it is a seed example or synthetic, and its licence. The release is "
        "deduplicated (exact and near duplicates) and split into train and test by leaf, so no leaf is in both."
    )
    return "\n".join(lines)


def _composition(info: CardInfo) -> str:
    lines = ["## Composition", "", "| Area | Kind | Rows | Leaves |", "|---|---|---:|---:|"]
    for row in sorted(info.composition, key=lambda row: (row.area, row.kind)):
        lines.append(f"| {_md_cell(row.area)} | {_md_cell(row.kind)} | {row.rows:,} | {row.leaves:,} |")
    total = sum(row.rows for row in info.composition)
    leaves = sum(row.leaves for row in info.composition)
    lines.append(f"| **total** | | **{total:,}** | **{leaves:,}** |")
    lines += ["", "| Config | Split | Rows |", "|---|---|---:|"]
    for split in sorted(info.splits, key=lambda split: (split.config_name, split.split != "train", split.split)):
        lines.append(f"| {_md_cell(split.config_name)} | {_md_cell(split.split)} | {split.rows:,} |")
    return "\n".join(lines)


def _changes(info: CardInfo) -> str:
    if info.previous_version is None or info.diff is None:
        return "## Changes\n\nThe first release: there is no earlier release to compare with."
    diff = info.diff
    lines = [f"## Changes since {_md_text(info.previous_version)}", ""]
    for key, label in (
        ("leaves_added", "Leaves added"),
        ("leaves_removed", "Leaves removed"),
        ("leaves_changed", "Leaves changed"),
    ):
        paths = sorted(diff.get(key, []))
        lines.append(f"**{label}** ({len(paths)})" + (":" if paths else ": none."))
        if paths:
            lines.append("")
            lines += [f"- `{_code(path)}`" for path in paths]
        lines.append("")
    lines += ["| Area | Rows before | Rows now | Change |", "|---|---:|---:|---:|"]
    for area, counts in sorted(diff.get("rows_by_area", {}).items()):
        lines.append(
            f"| {_md_cell(area)} | {counts['old']:,} | {counts['new']:,} | {counts['delta']:+,} |"
        )
    return "\n".join(lines)


def _filtered(info: CardInfo) -> str:
    if not info.filtered:
        return ""
    lines = [
        "## Rows left out by the build",
        "",
        "The build report lists every row left out and why.",
        "",
        "| Reason | Rows |",
        "|---|---:|",
    ]
    for reason, count in sorted(info.filtered.items()):
        lines.append(f"| {_md_cell(reason)} | {count:,} |")
    return "\n".join(lines)


def _contributors(info: CardInfo) -> str:
    names = sorted({name.strip() for name in info.contributors if name.strip()}, key=lambda name: (name.casefold(), name))
    lines = ["## Contributors", "", "Thanks to everyone whose seed examples this release grew from:", ""]
    lines += [f"- {_md_text(name)}" for name in names] or ["- (none credited)"]
    return "\n".join(lines)


def _licences(info: CardInfo) -> str:
    ids = sorted({normalize_license(value) or value.strip() for value in info.licenses if value.strip()})
    lines = ["## Licence and attribution", ""]
    lines.append(
        "Each row's licence is in its `metadata.license`. The rows are under: "
        + (", ".join(f"`{_code(value)}`" for value in ids) or "no licence recorded")
        + "."
    )
    lines += ["", "| Leaf | Work | Link | Licence | Creators |", "|---|---|---|---|---|"]
    for work in sorted(
        info.attributions, key=lambda work: (work.leaf_path, work.title, work.link, work.license, work.creators)
    ):
        lines.append(
            f"| `{_code(work.leaf_path)}` | {_md_cell(work.title)} | {_md_cell(work.link)} | "
            f"{_md_cell(work.license)} | {_md_cell(work.creators)} |"
        )
    return "\n".join(lines)


def _generation(info: CardInfo) -> str:
    lines = ["## How the data was generated", ""]
    lines.append(
        "Contributors wrote seed examples in an InstructLab taxonomy; reviewers approved them; a teacher model "
        "generated synthetic questions and answers from them, and judges filtered what it made."
    )
    lines += ["", "| Run | Teacher model | Pipeline | Version | Rows |", "|---:|---|---|---|---:|"]
    for run in sorted(info.generation, key=lambda run: (run.run_id, run.pipeline, run.pipeline_version, run.teacher_model)):
        lines.append(
            f"| {run.run_id} | {_md_cell(run.teacher_model)} | {_md_cell(run.pipeline)} | "
            f"{_md_cell(run.pipeline_version)} | {run.rows:,} |"
        )
    if info.system_prompt:
        lines += ["", "Every record starts with this system prompt:", "", "```text", _fence(info.system_prompt), "```"]
    return "\n".join(lines)


def _loading(info: CardInfo) -> str:
    configs = sorted({split.config_name for split in info.splits if split.rows > 0})
    lines = ["## Loading", "", "From a downloaded release:", "", "```python", "from datasets import load_dataset", ""]
    for config_name in configs:
        splits = sorted(
            {split.split for split in info.splits if split.config_name == config_name and split.rows > 0},
            key=lambda name: (name != "train", name),
        )
        files = ", ".join(f'"{name}": "{config_name}/{name}-*.parquet"' for name in splits)
        lines.append(f'{config_name} = load_dataset("parquet", data_files={{{files}}})')
    lines.append("```")
    if info.hub_repo_id:
        lines += ["", "From the Hugging Face Hub, pinned to this release:", "", "```python", "from datasets import load_dataset", ""]
        for config_name in configs:
            lines.append(
                f'{config_name} = load_dataset("{info.hub_repo_id}", "{config_name}", revision="{info.version}")'
            )
        lines.append("```")
    return "\n".join(lines)


def _format(info: CardInfo) -> str:
    description = (
        "InstructLab's training messages format: `id`, `messages` (a list of `{role, content}`: an optional "
        "`system` turn, the `user` turn with the context before the question for grounded skills and "
        "knowledge, and the `assistant` answer), and `metadata` (leaf_path, leaf_revision_sha, area, kind, "
        "origin, submission_id, contributor, teacher_model, pipeline, pipeline_version, run_id, sample_id, "
        "license). Each config also ships as JSON lines beside its parquet shards."
    )
    return f"## Row format\n\n{description}"


def _md_text(text: str) -> str:
    """User text on one line of prose: line breaks folded, and HTML and link syntax made inert."""
    return " ".join(str(text).split()).replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(text: str) -> str:
    """User text in a table cell: one line, pipes escaped."""
    return _md_text(text).replace("\\", "\\\\").replace("|", "\\|")


def _code(text: str) -> str:
    return " ".join(str(text).split()).replace("`", "'").replace("|", "\\|")


def _fence(text: str) -> str:
    # a ``` line inside the prompt would close the fence
    return text.replace("```", "` ` `")
