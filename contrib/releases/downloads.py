"""Serves a release file's bytes: streamed from storage, with a strong ETag (the sha256) and single byte ranges."""

from __future__ import annotations

import mimetypes
import posixpath
import re
from dataclasses import dataclass
from typing import IO

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from contrib.releases.choices import ReleaseStatus
from contrib.releases.models import ReleaseFile
from contrib.releases.storage import release_storage

CONTENT_TYPES = {
    ".parquet": "application/vnd.apache.parquet",
    ".jsonl": "application/x-ndjson",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".yaml": "application/yaml",
    ".gz": "application/gzip",
}
STATUS_HEADER = "X-Seedbed-Release-Status"
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
CHUNK = 64 * 1024


class ReleaseFileResponse(FileResponse):
    """A FileResponse read in larger blocks: release files are large and read sequentially."""

    block_size = CHUNK


class RangeNotSatisfiable(Exception):
    """The Range header is malformed or lies outside the file: answer 416 with ``Content-Range: bytes */size``."""


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range ``first``..``last`` of a file."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def content_type_for(name: str) -> str:
    """The media type of a release file, by its extension."""
    ext = posixpath.splitext(name)[1].lower()
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range ``Range: bytes=a-b | a- | -n`` asks for, clamped to ``size``; None to serve the whole file.

    A unit other than bytes, or several ranges, is ignored (RFC 9110 lets a server answer 200 in full); a malformed
    or unsatisfiable bytes range raises ``RangeNotSatisfiable``.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    match = _RANGE.match(spec)
    if match is None:
        raise RangeNotSatisfiable(header)
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        raise RangeNotSatisfiable(header)
    if not first_text:
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last < first or first >= size:
        raise RangeNotSatisfiable(header)
    return ByteRange(first, min(last, size - 1))


def etag_for(sha256: str) -> str:
    return f'"{sha256}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for this header), or is ``*``."""
    if not header:
        return False
    candidates = [tag.strip() for tag in header.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in candidates)


class _Slice:
    """A read-only window ``first``..``last`` of an open file, read in chunks, that closes the file when done."""

    def __init__(self, file: IO[bytes], byte_range: ByteRange) -> None:
        self.file = file
        self.remaining = byte_range.length
        file.seek(byte_range.first)

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.file.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def file_response(request: HttpRequest, release_file: ReleaseFile) -> HttpResponseBase:
    """The file's bytes: 200 in full, 206 for one range, 304 when the client has it, 416 for a bad range.

    The ETag is the manifest's sha256, so it is stable across rebuilds of a byte-identical release. Files of a
    withdrawn release stay downloadable for audit and carry ``X-Seedbed-Release-Status: withdrawn``.
    """
    etag = etag_for(release_file.sha256)
    base_headers = {"ETag": etag, "Accept-Ranges": "bytes"}
    release = release_file.release
    if release.status == ReleaseStatus.WITHDRAWN:
        base_headers[STATUS_HEADER] = ReleaseStatus.WITHDRAWN.value
    # A published file never changes; anything else may still be rebuilt, so caches revalidate.
    base_headers["Cache-Control"] = "public, max-age=3600" if release.status == ReleaseStatus.PUBLISHED else "no-cache"

    if etag_matches(request.headers.get("If-None-Match"), etag):
        response = HttpResponse(status=304)
        for key, value in base_headers.items():
            response[key] = value
        return response

    try:
        storage = release_storage()
        size = storage.size(release_file.storage_name)
        handle = storage.open(release_file.storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(f"The bytes of {release_file.name} are missing from storage; run `release verify`.") from None

    byte_range: ByteRange | None = None
    if_range = request.headers.get("If-Range")
    # A Range under an If-Range that names another version is ignored: the client gets the whole current file.
    if if_range is None or if_range.strip() == etag:
        try:
            byte_range = parse_range(request.headers.get("Range"), size)
        except RangeNotSatisfiable:
            handle.close()
            response = HttpResponse(status=416)
            for key, value in base_headers.items():
                response[key] = value
            response["Content-Range"] = f"bytes */{size}"
            return response

    filename = posixpath.basename(release_file.name)
    content_type = content_type_for(release_file.name)
    streamed: ReleaseFileResponse
    if byte_range is None:
        streamed = ReleaseFileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
        streamed["Content-Length"] = str(size)
    else:
        streamed = ReleaseFileResponse(
            _Slice(handle, byte_range), status=206, as_attachment=True, filename=filename,
            content_type=content_type,
        )
        streamed["Content-Length"] = str(byte_range.length)
        streamed["Content-Range"] = f"bytes {byte_range.first}-{byte_range.last}/{size}"
    for key, value in base_headers.items():
        streamed[key] = value
    return streamed
