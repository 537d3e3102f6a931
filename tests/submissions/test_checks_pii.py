"""Tests of the personal data and secrets scan: what it must find, and the look-alikes it must leave alone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from contrib.submissions.checks.pii import KIND_LABELS, PiiFinding, mask, scan, scan_text

# Built from parts so the repository holds no string that secret scanners would flag.
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" + "123456789_abcdefghijk"
OPENAI_KEY = "sk-" + "proj-" + "abc123DEF456ghi789JKL012"
SLACK_TOKEN = "xox" + "b-1234567890-0987654321-" + "AbCdEfGhIjKl"
GOOGLE_KEY = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
JWT_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Write to jane.doe@gmail.com for details.", "email", "jane.doe@gmail.com"),
        ("Contact: J.Smith+news@mail.company.co.uk.", "email", "J.Smith+news@mail.company.co.uk"),
        ("Call +1 (555) 123-4567 today.", "phone", "+1 (555) 123-4567"),
        ("Call +44 20 7946 0958.", "phone", "+44 20 7946 0958"),
        ("Ring +49 30 1234567 now", "phone", "+49 30 1234567"),
        ("Ring +33612345678 now", "phone", "+33612345678"),
        ("Her number is 555-123-4567.", "phone", "555-123-4567"),
        ("Her number is (555) 123-4567.", "phone", "(555) 123-4567"),
        ("Her number is 555.123.4567.", "phone", "555.123.4567"),
        ("Toll free: 1-800-555-0199.", "phone", "1-800-555-0199"),
        ("London office (020) 7946 0958", "phone", "(020) 7946 0958"),
        ("Mobile 06 12 34 56 78", "phone", "06 12 34 56 78"),
        ("Mobile 06.12.34.56.78", "phone", "06.12.34.56.78"),
        ("Berlin 030-1234567", "phone", "030-1234567"),
        ("Pay with 4111 1111 1111 1111 please", "card_number", "4111 1111 1111 1111"),
        ("Pay with 4111-1111-1111-1111 please", "card_number", "4111-1111-1111-1111"),
        ("card=5555555555554444", "card_number", "5555555555554444"),
        ("Amex 3782 822463 10005", "card_number", "3782 822463 10005"),
        (f"aws_access_key_id={AWS_KEY}", "aws_access_key", AWS_KEY),
        (f"export GH={GITHUB_TOKEN}", "github_token", GITHUB_TOKEN),
        (f"token {GITHUB_PAT}", "github_token", GITHUB_PAT),
        (f"OPENAI_API_KEY: {OPENAI_KEY}", "openai_key", OPENAI_KEY),
        (f"slack {SLACK_TOKEN}", "slack_token", SLACK_TOKEN),
        (f"key={GOOGLE_KEY}", "google_api_key", GOOGLE_KEY),
        (f"{PEM}\nMIIEpAIBAAKCAQEA\n", "private_key", PEM),
        (f"Authorization: Bearer {JWT_TOKEN}", "jwt", JWT_TOKEN),
        ("password = hunter22", "secret_assignment", "hunter22"),
        ("db_password: 'Tr0ub4dor&3'", "secret_assignment", "Tr0ub4dor&3"),
        (
            '{"api_key": "a8f5f167f44f4964e6c998dee827110c"}',
            "secret_assignment",
            "a8f5f167f44f4964e6c998dee827110c",
        ),
        ("Data Source=.;User ID=sa;Password=Password_123", "secret_assignment", "Password_123"),
        ("SECRET_KEY=django-insecure-8x!a", "secret_assignment", "django-insecure-8x!a"),
        (
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "secret_assignment",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ],
)
def test_finds(text: str, kind: str, found: str) -> None:
    findings = scan_text(text, ".seed_examples[0].answer")
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [(kind, found)]
    (finding,) = findings
    assert finding.yaml_path == ".seed_examples[0].answer"
    assert finding.excerpt == mask(found)
    assert found not in finding.excerpt
    assert kind in KIND_LABELS


@pytest.mark.parametrize(
    "text",
    [
        "The chickadee lives in deciduous and mixed forests of North America.",
        "Released on 2024-05-01 and updated 01/05/2024, 1.5.2024 and 2024/05/01.",
        "It was built in 1889 and renovated between 1999 and 2004.",
        "Python version 3 and 3.12.1; Windows build 10.0.19041.1234.",
        "Call 1-800 for help.",
        "ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2 and ISBN-13: 9780306406157.",
        "The population was 1,234,567,890 or 1 234 567 890 people.",
        "Temperatures of 63.5–67.5 mm (2.50–2.66 in) and 40.7128 -74.0060.",
        "Server at 192.168.100.200 and 010.123.456.789 answered.",
        "Order 12345 shipped in 3 boxes of 24 items; page 123-456.",
        "Timestamps like 1714567890123 and ids like 5551234567 are not phones.",
        "The numbers 1 2 3 4 5 6 7 8 9 10 count up.",
        "All zeros 0000 0000 0000 0000 pass Luhn but are not a card.",
        "Write to user@example.com, admin@example.org or a@b.test for examples.",
        "Clone git@github.com:instructlab/taxonomy.git, then open icon@2x.png.",
        "Follow @instructlab and email us (no address given).",
        "A token: the smallest unit of text. Password: must be long.",
        "Secret: Confidential. Token: Represents a word.",
        "password=<your password> and api_key = os.environ['API_KEY'] and token: ${TOKEN}",
        "Set password: ******** or secret=xxxxxxxx or token: REDACTED.",
        "The task-oriented skill, sk-learn and sk-this-is-a-long-hyphenated-phrase.",
        "eyJ alone is not a token, nor is AKIA on its own, nor ghp_short.",
        "-----BEGIN PUBLIC KEY----- is public; -----BEGIN CERTIFICATE----- too.",
    ],
)
def test_leaves_look_alikes_alone(text: str) -> None:
    assert scan_text(text) == []


def test_scan_walks_a_parsed_leaf_and_reports_yaml_paths_and_offsets() -> None:
    data = {
        "version": 3,
        "created_by": "someone",
        "seed_examples": [
            {"question": "Who?", "answer": "Ask bob@corp.io."},
            {
                "context": "Plain text.",
                "questions_and_answers": [{"question": "Number?", "answer": "It is +1 555 123 4567."}],
            },
        ],
        "document": {"repo": "https://github.com/x/y", "commit": "abc", "patterns": [f"key {AWS_KEY}"]},
        "odd key": ["a", {"nested": "call 555-123-4567"}],
    }
    findings = scan(data)
    assert [(f.kind, f.yaml_path, f.start, f.end) for f in findings] == [
        ("email", ".seed_examples[0].answer", 4, 15),
        ("phone", ".seed_examples[1].questions_and_answers[0].answer", 6, 21),
        ("aws_access_key", ".document.patterns[0]", 4, 24),
        ("phone", "['odd key'][1].nested", 5, 17),
    ]
    assert all(isinstance(f, PiiFinding) for f in findings)
    assert scan(None) == [] and scan("bob@corp.io") == [PiiFinding("email", ".", "bo*******io", 0, 11)]


def test_overlapping_findings_keep_the_most_specific_kind() -> None:
    findings = scan_text(f"api_key = {OPENAI_KEY}; contact jane@corp.io or 555-123-4567")
    assert [f.kind for f in findings] == ["openai_key", "email", "phone"]


def test_mask_keeps_two_characters_at_each_end_only() -> None:
    assert mask("jane.doe@gmail.com") == "ja**************om"
    assert mask("abcdefg") == "ab***fg"
    assert mask("secret") == "******"
    assert mask("") == ""


def test_the_sample_taxonomy_is_scanned_quickly_and_mostly_clean(samples: Path) -> None:
    leaves = []
    for file in sorted(samples.rglob("qna.yaml")):
        leaves.append(yaml.safe_load(file.read_text(encoding="utf-8")))
    started = time.perf_counter()
    findings = [finding for leaf in leaves for finding in scan(leaf)]
    elapsed = time.perf_counter() - started
    assert [f for f in findings if f.kind not in ("email",)] == []
    assert elapsed < 0.5 * len(leaves)


def test_a_large_text_is_scanned_in_linear_time() -> None:
    text = ("Call 555-123-4567 or write to someone@corp.io. Years 1999 2000 and version 1.2.3. " * 5000)[
        :400_000
    ]
    started = time.perf_counter()
    findings = scan_text(text)
    assert time.perf_counter() - started < 3
    assert len(findings) > 5000


@pytest.mark.parametrize(
    "text",
    [
        "a_" * 50000,
        "ab-" * 30000,
        "password= " * 20000,
        "password" + " " * 100000,
        "1 " * 100000,
        "1(" * 50000,
        "a." * 100000 + "@",
        "a" * 60 + "@" + "b-" * 50000,
        ("eyJ" + "a" * 10 + ".") * 10000,
        "+1 (555) 123-4567a" * 10000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_hostile_repetitions_are_scanned_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    scan_text(text)
    assert time.perf_counter() - started < 1.5
