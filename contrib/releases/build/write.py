"""Stage 6 of a build: write each (config, split) as parquet shards and one jsonl file, deterministically.

The rows are turned into arrow columns and jsonl text on the calling thread; encoding, compressing and
writing the bytes run on an optional single background thread (pyarrow and file writes release the GIL),
so the build's other stages go on meanwhile. One thread keeps every file's writes in order.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from contrib.releases.formats.rows import ARROW_SCHEMA, columns_table

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


@dataclass(eq=False)  # a writer is itself: hashed by identity
class SplitWriter:
    """Writes the rows of one config and split: parquet shards of ``shard_rows`` rows, and one jsonl file."""

    root: Path
    config_name: str
    split: str
    shard_rows: int
    system_prompt: str = ""
    executor: Executor | None = None
    rows: int = 0
    # the buffered rows, in columns; a row's shared metadata is an index into _sources
    _ids: list[str] = field(default_factory=list)
    _users: list[str] = field(default_factory=list)
    _answers: list[str] = field(default_factory=list)
    _sample_ids: list[int | None] = field(default_factory=list)
    _source_rows: list[int] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list)
    _sources: list[tuple[Any, ...]] = field(default_factory=list)
    _source_index: dict[tuple[Any, ...], int] = field(default_factory=dict)
    _shard: Any = None
    _shard_rows: int = 0
    _shard_paths: list[Path] = field(default_factory=list)
    _shard_counts: list[int] = field(default_factory=list)
    _jsonl: Any = None
    _pending: list[Future[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / self.config_name).mkdir(parents=True, exist_ok=True)
        self._jsonl = open(self.root / self.config_name / f"{self.split}.jsonl", "wb", buffering=1 << 20)  # noqa: SIM115 - closed in close()

    def source(self, metadata: tuple[Any, ...]) -> int:
        """The index :meth:`write_rows` takes for rows whose metadata is ``metadata``: :func:`metadata_prefix`
        then the licence."""
        index = self._source_index.get(metadata)
        if index is None:
            index = self._source_index[metadata] = len(self._sources)
            self._sources.append(metadata)
        return index

    def write_rows(self, rows: list[tuple[str, str, str, int | None, int, str]]) -> None:
        """Append rows given as (id, user content, answer, sample id, :meth:`source` index, jsonl line)."""
        if not rows:
            return
        ids, users, answers, sample_ids, source_rows, lines = zip(*rows, strict=True)
        self._ids.extend(ids)
        self._users.extend(users)
        self._answers.extend(answers)
        self._sample_ids.extend(sample_ids)
        self._source_rows.extend(source_rows)
        self._lines.extend(lines)
        self.rows += len(rows)
        if len(self._ids) >= ROW_GROUP_ROWS or self._shard_rows + len(self._ids) >= self.shard_rows:
            self._flush()

    def _flush(self, *, final: bool = False) -> None:
        """Write the buffered rows that fill a row group (or the rest of a shard); with ``final``, all of them.

        Row groups are cut by row counts alone, so the bytes do not depend on how the rows arrived.
        """
        if self._lines:
            self._run(self._jsonl.write, "".join(self._lines).encode("utf-8"))
            self._lines = []
        while self._ids:
            full = min(self.shard_rows - self._shard_rows, ROW_GROUP_ROWS)
            take = min(full, len(self._ids))
            if take < full and not final:
                return  # a partial row group waits for more rows
            if self._shard is None:
                path = self.root / self.config_name / f".{self.split}-{len(self._shard_paths):05d}.parquet.part"
                self._shard = pq.ParquetWriter(path, ARROW_SCHEMA, **PARQUET_OPTIONS)
                self._shard_paths.append(path)
                self._shard_counts.append(0)
            table = columns_table(self._ids[:take], self._users[:take], self._answers[:take], self.system_prompt,
                                  self._sample_ids[:take], self._source_rows[:take], self._sources)
            del self._ids[:take], self._users[:take], self._answers[:take]
            del self._sample_ids[:take], self._source_rows[:take]
            self._run(self._shard.write_table, table, row_group_size=ROW_GROUP_ROWS)
            self._shard_rows += take
            self._shard_counts[-1] += take
            if self._shard_rows >= self.shard_rows:
                self._run(self._shard.close)
                self._shard, self._shard_rows = None, 0

    def _run(self, call: Any, *args: Any, **kwargs: Any) -> None:
        """``call`` now, or on the executor after this writer's earlier calls; at most a few wait, so memory
        holds a few row groups at most. An error in the background surfaces here or in close()."""
        if self.executor is None:
            call(*args, **kwargs)
            return
        while len(self._pending) > 2:
            self._pending.pop(0).result()
        self._pending.append(self.executor.submit(call, *args, **kwargs))

    def _wait(self) -> None:
        while self._pending:
            self._pending.pop(0).result()

    def close(self) -> list[WrittenFile]:
        """Finish the files; shards get their final ``-0000i-of-0000N`` names now that N is known."""
        self._flush(final=True)
        if self._shard is not None:
            self._run(self._shard.close)
            self._shard = None
        self._wait()
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
