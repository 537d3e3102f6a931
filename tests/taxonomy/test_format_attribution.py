"""Tests of attribution.txt: rendering, lenient parsing, licence names and the checks before merging."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from taxonomy.format import (
    ALLOWED_LICENSES,
    AttributionFields,
    FieldProblem,
    check_attribution,
    normalize_license,
    parse_attribution,
    render_attribution,
    validate_text,
)
from taxonomy.format.attribution import parse_attributions, render_attributions

CHICKADEE = AttributionFields(
    title_of_work="Black-capped chickadee",
    link_to_work="https://en.wikipedia.org/wiki/Black-capped_chickadee",
    revision="https://en.wikipedia.org/w/index.php?title=Black-capped_chickadee&oldid=1219937468",
    license_of_the_work="CC-BY-SA-4.0",
    creator_names="Wikipedia Authors",
)


def test_render_writes_instructlabs_lines_in_order() -> None:
    assert render_attribution(CHICKADEE) == (
        "Title of work: Black-capped chickadee\n"
        "Link to work: https://en.wikipedia.org/wiki/Black-capped_chickadee\n"
        "Revision: https://en.wikipedia.org/w/index.php?title=Black-capped_chickadee&oldid=1219937468\n"
        "License of the work: CC-BY-SA-4.0\n"
        "Creator names: Wikipedia Authors\n"
    )


def test_render_keeps_each_value_on_its_line_and_leaves_no_trailing_spaces() -> None:
    text = render_attribution(
        AttributionFields(title_of_work="  A title\r\nsplit over\n\n lines ", creator_names="Ann,\u2028Bob")
    )
    assert text == (
        "Title of work: A title split over lines\nLink to work:\nRevision:\nLicense of the work:\n"
        "Creator names: Ann, Bob\n"
    )
    assert parse_attribution(text) == AttributionFields(
        title_of_work="A title split over lines", creator_names="Ann, Bob"
    )


def test_render_then_parse_round_trips() -> None:
    assert parse_attribution(render_attribution(CHICKADEE)) == CHICKADEE
    works = [CHICKADEE, AttributionFields(title_of_work="Other", link_to_work="-", license_of_the_work="MIT")]
    assert parse_attributions(render_attributions(works)) == works


def test_parse_is_lenient_about_case_spacing_variants_and_missing_fields() -> None:
    text = (
        "\n  TITLE OF WORK :   Seeds  \n"
        "link to work:https://example.org/seeds\n"
        "Licence of the work: cc by 4.0\n"
        "\n"
    )
    assert parse_attribution(text) == AttributionFields(
        title_of_work="Seeds", link_to_work="https://example.org/seeds", license_of_the_work="cc by 4.0"
    )
    assert parse_attribution("") == AttributionFields()
    assert parse_attribution("just some words\n") == AttributionFields()


def test_parse_joins_wrapped_values_and_reads_several_works() -> None:
    text = (
        "Title of work: A very long title\nthat wraps\n"
        "Link to work: -\n"
        "License of the work: MIT\n"
        "Creator names: Ann\n\n\n"
        "Title of work: Second\n"
        "Link to work: https://example.org/2\n"
        "License of the work: CC0\n"
        "Creator names: Bob\n"
    )
    first, second = parse_attributions(text)
    assert first.title_of_work == "A very long title that wraps"
    assert second == AttributionFields("Second", "https://example.org/2", "", "CC0", "Bob")
    assert parse_attribution(text) == first


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CC-BY-SA-4.0", "CC-BY-SA-4.0"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("cc-by-sa-4.0", "CC-BY-SA-4.0"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution 4.0 International (CC BY 4.0)", "CC-BY-4.0"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("apache-2.0", "Apache-2.0"),
        ("MIT", "MIT"),
        ("MIT License", "MIT"),
        ("The MIT License (MIT)", "MIT"),
        ("CC0", "CC0-1.0"),
        ("CC0 1.0 Universal", "CC0-1.0"),
        ("cdla permissive 2.0", "CDLA-Permissive-2.0"),
        ("Community Data License Agreement - Permissive - Version 2.0", "CDLA-Permissive-2.0"),
        ("  CC-BY-4.0  ", "CC-BY-4.0"),
        ("CC BY-NC-SA 4.0", None),
        ("CC BY-NC 4.0", None),
        ("CC BY-SA 3.0", None),
        ("CC-BY-SA", None),
        ("GPL-3.0", None),
        ("Public Domain", None),
        ("Apache-2.0 OR MIT", None),
        ("proprietary", None),
        ("", None),
    ],
)
def test_normalize_license(value: str, expected: str | None) -> None:
    assert normalize_license(value) == expected


def test_every_allowed_license_normalizes_to_itself() -> None:
    assert [normalize_license(spdx) for spdx in ALLOWED_LICENSES] == list(ALLOWED_LICENSES)
    assert [normalize_license(spdx.lower()) for spdx in ALLOWED_LICENSES] == list(ALLOWED_LICENSES)


def test_a_complete_attribution_has_no_problems() -> None:
    assert check_attribution(CHICKADEE) == []
    assert check_attribution(render_attribution(CHICKADEE)) == []
    assert check_attribution(AttributionFields("Mine", "-", "", "MIT", "Me")) == []


def test_missing_fields_are_each_reported_with_how_to_fix_them() -> None:
    problems = check_attribution("")
    assert [p.field for p in problems] == [
        "title_of_work",
        "link_to_work",
        "license_of_the_work",
        "creator_names",
    ]
    assert all(isinstance(p, FieldProblem) and p.work == 0 and "add '" in p.message for p in problems)


def test_a_licence_off_the_allow_list_names_the_allowed_ones() -> None:
    (problem,) = check_attribution(dataclasses.replace(CHICKADEE, license_of_the_work="CC BY-NC 4.0"))
    assert problem.field == "license_of_the_work"
    assert "CC BY-NC 4.0" in problem.message
    assert all(spdx in problem.message for spdx in ALLOWED_LICENSES)


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("-", True),
        ("https://en.wikipedia.org/wiki/Seed", True),
        ("http://example.org/a?b=c#d", True),
        ("https://en.wikipedia.org/wiki/Master%E2%80%93slave_(technology)", True),
        ("en.wikipedia.org/wiki/Seed", False),
        ("ftp://example.org/file", False),
        ("https://", False),
        ("https://exa mple.org", False),
        ("javascript:alert(1)", False),
        ("none", False),
        ("--", False),
    ],
)
def test_link_must_be_a_dash_or_a_web_url(link: str, ok: bool) -> None:
    fields = AttributionFields("T", link, "", "MIT", "C")
    assert (check_attribution(fields) == []) is ok
    if not ok:
        assert check_attribution(fields)[0].field == "link_to_work"


def test_problems_of_later_works_say_which_work() -> None:
    text = (
        render_attribution(CHICKADEE)
        + "\n"
        + "Title of work: Second\nLink to work: -\nLicense of the work: GPL\n"
    )
    problems = check_attribution(text)
    assert {(p.work, p.field) for p in problems} == {(1, "license_of_the_work"), (1, "creator_names")}


def test_rendered_attribution_satisfies_the_validator() -> None:
    leaf = "version: 3\ncreated_by: me\ntask_description: t\nseed_examples:\n" + "".join(
        f"  - question: q{i}\n    answer: a{i}\n" for i in range(5)
    )
    result = validate_text(
        leaf, path="compositional_skills/x/qna.yaml", attribution=render_attribution(CHICKADEE)
    )
    assert result.ok


def test_the_sample_tree_attributions_parse(samples: Path) -> None:
    files = sorted((samples / "tree").rglob("attribution.txt"))
    assert files
    for file in files:
        works = parse_attributions(file.read_text(encoding="utf-8"))
        assert works and all(work.title_of_work and work.creator_names for work in works), file
        for work in works:
            assert work.link_to_work == "-" or work.link_to_work.startswith("https://")
