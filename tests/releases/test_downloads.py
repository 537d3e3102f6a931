"""Downloads of release files: streamed bytes with a sha256 ETag, conditional requests, single byte ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from contrib.releases.choices import FileKind, ReleaseStatus
from contrib.releases.downloads import (
    ByteRange,
    RangeNotSatisfiable,
    content_type_for,
    etag_matches,
    parse_range,
)
from tests.releases import test_views as shared
from tests.releases.test_views import PARQUET, client_for, file_add, release_make

# The release builders' fixtures, shared with the page tests.
media = shared.media
people = shared.people

URL = "/releases/2026.1.0/files/skills/train-00000-of-00001.parquet"
SIZE = len(PARQUET)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- The Range and ETag rules, alone. ---

@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=10-", ByteRange(10, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),
        ("bytes=95-200", ByteRange(95, 99)),
        ("bytes=99-99", ByteRange(99, 99)),
        (" bytes = 5 - 6 ", ByteRange(5, 6)),
        ("items=0-5", None),  # another unit: ignored, the whole file
        ("bytes=0-1,5-6", None),  # several ranges: ignored, the whole file
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=9-3", "bytes=-0", "bytes=-", "bytes=a-b",
                                    "bytes=1-2-3", "bytes="])
def test_parse_range_refuses_what_it_cannot_satisfy(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_no_range_of_an_empty_file_is_satisfiable() -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-5", 0)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)


def test_etag_matches() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('"x", W/"abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abd"', '"abc"')
    assert not etag_matches(None, '"abc"')


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("skills/train-00000-of-00001.parquet", "application/vnd.apache.parquet"),
        ("knowledge/test.jsonl", "application/x-ndjson"),
        ("README.md", "text/markdown; charset=utf-8"),
        ("manifest.json", "application/json"),
        ("report/dropped.jsonl.gz", "application/gzip"),
        ("neardup_signatures.bin", "application/octet-stream"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types(name: str, expected: str) -> None:
    assert content_type_for(name) == expected


# --- Over HTTP. ---


@pytest.mark.django_db
def test_a_full_download_streams_the_bytes_with_its_etag(media: Path) -> None:
    release = release_make()
    sha = release.files.get(name="skills/train-00000-of-00001.parquet").sha256
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.streaming
    assert body(response) == PARQUET
    assert response["ETag"] == f'"{sha}"'
    assert response["Content-Length"] == str(SIZE)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    assert response["Content-Disposition"] == 'attachment; filename="train-00000-of-00001.parquet"'
    assert "X-Seedbed-Release-Status" not in response


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content_type"), [
    ("README.md", "text/markdown; charset=utf-8"),
    ("skills/train.jsonl", "application/x-ndjson"),
    ("manifest.json", "application/json"),
])
def test_each_kind_of_file_has_its_type(media: Path, name: str, content_type: str) -> None:
    release = release_make()
    response = Client().get(f"/releases/2026.1.0/files/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    f = release.files.get(name=name)
    assert body(response) == (media / f.storage_name).read_bytes()


@pytest.mark.django_db
def test_if_none_match_answers_304(media: Path) -> None:
    release = release_make()
    etag = '"' + release.files.get(name="skills/train-00000-of-00001.parquet").sha256 + '"'
    response = Client().get(URL, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""
    assert Client().get(URL, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=1000-", 1000, SIZE - 1), ("bytes=-4", SIZE - 4, SIZE - 1), ("bytes=10-99999", 10, SIZE - 1)],
)
def test_a_range_answers_206_with_those_bytes(media: Path, header: str, first: int, last: int) -> None:
    release_make()
    response = Client().get(URL, headers={"Range": header})
    assert response.status_code == 206
    assert body(response) == PARQUET[first:last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"')


@pytest.mark.django_db
@pytest.mark.parametrize("header", [f"bytes={SIZE}-", "bytes=9-3", "bytes=-0", "bytes=x-y"])
def test_an_unsatisfiable_range_answers_416(media: Path, header: str) -> None:
    release_make()
    response = Client().get(URL, headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.django_db
def test_if_range_with_another_etag_gets_the_whole_file(media: Path) -> None:
    release_make()
    response = Client().get(URL, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert response.status_code == 200
    assert body(response) == PARQUET


@pytest.mark.django_db
def test_a_withdrawn_release_still_downloads_marked_withdrawn(media: Path) -> None:
    release_make(status=ReleaseStatus.WITHDRAWN)
    response = Client().get(URL)
    assert response.status_code == 200
    assert response["X-Seedbed-Release-Status"] == "withdrawn"
    assert body(response) == PARQUET
    ranged = Client().get(URL, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged["X-Seedbed-Release-Status"] == "withdrawn"


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ReleaseStatus.DRAFT, ReleaseStatus.BUILDING, ReleaseStatus.BUILT, ReleaseStatus.FAILED])
def test_unpublished_files_are_404_except_for_maintainers(media: Path, people: dict, status: str) -> None:
    release_make(status=status)
    assert client_for(None).get(URL).status_code == 404
    assert client_for(people["contributor"]).get(URL).status_code == 404
    response = client_for(people["maintainer"]).get(URL)
    assert response.status_code == 200 and body(response) == PARQUET
    token, _ = Token.objects.get_or_create(user=people["maintainer"])
    by_token = Client().get(URL, headers={"Authorization": f"Token {token.key}"})
    assert by_token.status_code == 200
    assert Client().get(URL, headers={"Authorization": "Token nonsense"}).status_code == 404


@pytest.mark.django_db
def test_an_unknown_file_or_missing_bytes_are_404(media: Path) -> None:
    release = release_make()
    assert Client().get("/releases/2026.1.0/files/nope.parquet").status_code == 404
    assert Client().get("/releases/2026.1.0/files/../manifest.json").status_code == 404
    file_add(release, "ghost.parquet", b"ghost", kind=FileKind.PARQUET)
    (media / release.files.get(name="ghost.parquet").storage_name).unlink()
    assert Client().get("/releases/2026.1.0/files/ghost.parquet").status_code == 404


@pytest.mark.django_db
def test_head_answers_the_headers(media: Path) -> None:
    release_make()
    response = Client().head(URL)
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
