"""Stage 6 of a build: write each (config, split) as parquet shards and one jsonl file, deterministically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from contrib.releases.formats.rows import ARROW_SCHEMA, columns_table, jsonl_line

#: Rows per parquet row group: fixed, so the bytes do not depend on how rows arrive.
ROW_GROUP_ROWS = 10_000
#: Parquet writer options, all explicit: the bytes depend on the rows and the pyarrow version only.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "store_schema": True,
}


@dataclass
class WrittenFile:
    """A file the writer made: its path inside the release, config, split and rows."""

    name: str
    kind: str
    config_name: str
    split: str
    rows: int


@dataclass
class SplitWriter:
    """Writes the rows of one config and split: parquet shards of ``shard_rows`` rows, and one jsonl file."""

    root: Path
    config_name: str
    split: str
    shard_rows: int
    rows: int = 0
    # the buffered rows, in columns: ids, messages flattened (roles, contents, offsets) and metadata tuples
    _ids: list[str] = field(default_factory=list)
    _roles: list[str] = field(default_factory=list)
    _contents: list[str] = field(default_factory=list)
    _offsets: list[int] = field(default_factory=lambda: [0])
    _metadata: list[tuple[Any, ...]] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list)
    _shard: Any = None
    _shard_rows: int = 0
    _shard_paths: list[Path] = field(default_factory=list)
    _shard_counts: list[int] = field(default_factory=list)
    _jsonl: Any = None

    def __post_init__(self) -> None:
        (self.root / self.config_name).mkdir(parents=True, exist_ok=True)
        self._jsonl = open(self.root / self.config_name / f"{self.split}.jsonl", "wb", buffering=1 << 20)  # noqa: SIM115 - closed in close()

    def write(self, record: dict[str, Any]) -> None:
        """Append a training record (a dict from ``to_training_record``)."""
        messages = record["messages"]
        for message in messages:
            self._roles.append(message["role"])
            self._contents.append(message["content"])
        self._appended(record["id"], len(messages), tuple(record["metadata"].values()),
                       jsonl_line(record).decode("utf-8"))

    def write_row(self, rid: str, system_prompt: str, user: str, answer: str, metadata: tuple[Any, ...],
                  line: str) -> None:
        """Append a training record given as its parts and its jsonl line (``jsonl_line_of``): no dict."""
        if system_prompt:
            self._roles.extend(("system", "user", "assistant"))
            self._contents.extend((system_prompt, user, answer))
            count = 3
        else:
            self._roles.extend(("user", "assistant"))
            self._contents.extend((user, answer))
            count = 2
        self._appended(rid, count, metadata, line)

    def _appended(self, rid: str, messages: int, metadata: tuple[Any, ...], line: str) -> None:
        self._ids.append(rid)
        self._offsets.append(self._offsets[-1] + messages)
        self._metadata.append(metadata)
        self._lines.append(line)
        self.rows += 1
        if len(self._ids) >= ROW_GROUP_ROWS or self._shard_rows + len(self._ids) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        if self._lines:
            self._jsonl.write("".join(self._lines).encode("utf-8"))
            self._lines = []
        while self._ids:
            if self._shard is None:
                path = self.root / self.config_name / f".{self.split}-{len(self._shard_paths):05d}.parquet.part"
                self._shard = pq.ParquetWriter(path, ARROW_SCHEMA, **PARQUET_OPTIONS)
                self._shard_paths.append(path)
                self._shard_counts.append(0)
                self._shard_rows = 0
            room = self.shard_rows - self._shard_rows
            take = min(room, len(self._ids))
            end = self._offsets[take]
            table = columns_table(self._ids[:take], self._roles[:end], self._contents[:end],
                                  self._offsets[: take + 1], self._metadata[:take])
            self._ids, self._metadata = self._ids[take:], self._metadata[take:]
            self._roles, self._contents = self._roles[end:], self._contents[end:]
            self._offsets = [offset - end for offset in self._offsets[take:]]
            self._shard.write_table(table, row_group_size=ROW_GROUP_ROWS)
            self._shard_rows += take
            self._shard_counts[-1] += take
            if self._shard_rows >= self.shard_rows:
                self._shard.close()
                self._shard = None

    def close(self) -> list[WrittenFile]:
        """Finish the files; shards get their final ``-0000i-of-0000N`` names now that N is known."""
        self._flush()
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        self._jsonl.close()
        if not self.rows:  # `datasets` refuses a split without rows: an empty split has no files
            (self.root / self.config_name / f"{self.split}.jsonl").unlink()
            return []
        total = len(self._shard_paths)
        files = []
        for index, (path, rows) in enumerate(zip(self._shard_paths, self._shard_counts, strict=True)):
            name = f"{self.config_name}/{self.split}-{index:05d}-of-{total:05d}.parquet"
            os.replace(path, self.root / name)
            files.append(WrittenFile(name, "parquet", self.config_name, self.split, rows))
        files.append(WrittenFile(f"{self.config_name}/{self.split}.jsonl", "jsonl", self.config_name, self.split, self.rows))
        return files
