"""How the simulation hands its big frames to DuckDB: the same rows, in the same order,
without copying the frame first (text as Arrow string views, parts written one after the
other, the booking stream gathered in publish order a chunk at a time)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import polars as pl
import pytest

from sandbox.simulation import get_scale, simulate
from sandbox.simulation.bookings import _stream
from sandbox.simulation.frames import held
from sandbox.simulation.web import _narrowed
from sandbox.simulation.writer import SAMPLE_ROWS, LandingWriter, frame_bytes


def _table(writer: LandingWriter, table: str) -> list[tuple[object, ...]]:
    return writer.connection.sql(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


def test_a_frame_of_several_parts_is_written_as_one_with_its_text_and_nulls() -> None:
    first = pl.DataFrame({"n": [1, 2, 3], "name": ["één", None, "x" * 40]})
    second = pl.DataFrame({"n": [4, 5], "name": ["short", None]})
    tables = []
    for frame in (pl.concat([first, second]), pl.concat([first, second], rechunk=False)):
        for chunk_rows in (2, 1_000):
            writer = LandingWriter(duckdb.connect(), chunk_rows=chunk_rows)
            writer.write("web", "visits", frame)
            assert writer.rows == {"landing_web.visits": 5}
            tables.append(_table(writer, "landing_web.visits"))
            types = writer.connection.sql("DESCRIBE landing_web.visits").fetchall()
            assert [(c[0], c[1]) for c in types] == [("n", "BIGINT"), ("name", "VARCHAR")]
    assert all(t == tables[0] for t in tables)
    assert tables[0] == [(1, "één"), (2, None), (3, "x" * 40), (4, "short"), (5, None)]


def test_the_rows_a_keep_mask_marks_are_written_a_chunk_at_a_time() -> None:
    frame = pl.DataFrame({"n": list(range(10)), "name": [f"v{i}" for i in range(10)]})
    keep = np.array([i % 3 != 1 for i in range(10)])
    for chunk_rows in (1, 3, 1_000):
        writer = LandingWriter(duckdb.connect(), chunk_rows=chunk_rows)
        writer.write("customers", "records", frame, keep=keep)
        assert writer.rows == {"landing_customers.records": 7}
        assert _table(writer, "landing_customers.records") == [
            (i, f"v{i}") for i in (0, 2, 3, 5, 6, 8, 9)
        ]
    writer = LandingWriter(duckdb.connect(), chunk_rows=3)
    writer.write("customers", "records", frame, keep=np.zeros(10, dtype=bool))
    writer.write("customers", "none", frame.head(0), keep=np.zeros(0, dtype=bool))
    assert writer.rows == {"landing_customers.records": 0, "landing_customers.none": 0}
    assert _table(writer, "landing_customers.none") == []
    with pytest.raises(ValueError, match=r"customers\.records has 10 rows, but its keep mask"):
        writer.write("customers", "records", frame, keep=keep[:9])


def test_a_wide_frame_is_handed_over_in_chunks_of_at_most_its_byte_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = pl.DataFrame(
        {
            "n": list(range(1_000)),
            **{f"text_{i}": [f"value {i} {k}" * 3 for k in range(1_000)] for i in range(8)},
        }
    )
    keep = np.arange(1_000) % 7 != 3
    budget = frame.estimated_size() // 10
    tables, appended = [], []
    for chunk_bytes in (budget, 10 * frame.estimated_size()):
        writer = LandingWriter(duckdb.connect(), chunk_rows=400, chunk_bytes=chunk_bytes)
        append = writer._append

        def spy(
            domain: str,
            table: str,
            chunk: pl.DataFrame,
            *,
            append: Callable[..., None] = append,
            chunk_bytes: int = chunk_bytes,
            **options: object,
        ) -> None:
            appended.append((chunk_bytes, chunk.height))
            append(domain, table, chunk, **options)

        monkeypatch.setattr(writer, "_append", spy)
        writer.write("web", "wide", frame)
        writer.write("web", "kept", frame, keep=keep)
        assert writer.rows == {"landing_web.wide": 1_000, "landing_web.kept": int(keep.sum())}
        tables.append([_table(writer, f"landing_web.{t}") for t in ("wide", "kept")])
    assert tables[0] == tables[1]
    assert tables[0][0] == list(frame.iter_rows())
    small = [height for bytes_, height in appended if bytes_ == budget]
    assert len(small) >= 20  # both tables, each in ten chunks or more
    assert max(small) <= 100  # a tenth of the frame's rows at most
    assert [h for bytes_, h in appended if bytes_ != budget][:3] == [400, 400, 200]
    with pytest.raises(ValueError, match="at least one byte"):
        LandingWriter(duckdb.connect(), chunk_bytes=0)


def test_a_frame_built_a_chunk_at_a_time_is_sized_on_its_first_rows_built_once() -> None:
    def build(positions: np.ndarray) -> pl.DataFrame:
        asked.append(positions.copy())
        return pl.DataFrame({"n": positions, "text": [f"row {k} " * 8 for k in positions]})

    writer = LandingWriter(duckdb.connect(), chunk_rows=50_000, chunk_bytes=2**20)
    for rows, sample in ((3 * SAMPLE_ROWS, SAMPLE_ROWS), (700, 700), (0, 0)):
        asked: list[np.ndarray] = []
        chunk = writer.chunk_rows_for(build, rows)
        assert len(asked) == 1
        assert asked[0].tolist() == list(range(sample))
        assert chunk == writer.rows_per_chunk(build(np.arange(sample)))
    by_bytes = 2**20 * SAMPLE_ROWS // frame_bytes(build(np.arange(SAMPLE_ROWS)))
    assert 1 <= by_bytes < 50_000
    assert writer.chunk_rows_for(build, 3 * SAMPLE_ROWS) == by_bytes  # the bytes bound it
    assert writer.chunk_rows_for(build, 0) == 50_000  # nothing to size on: the rows bound it


def _stream_by_sorting(
    events: pl.DataFrame, retried: np.ndarray, tests: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """The stream as the simulation built it before: whole frames concatenated, sorted,
    numbered, some redelivered, sorted again."""
    retries = events[retried].with_columns(
        publish_time=pl.col("publish_time") + pl.duration(seconds=30)
    )
    stream = pl.concat([events, retries, tests]).sort("publish_time", maintain_order=True)
    message = 7_000_000_000_000_000 + np.cumsum(rng.integers(1, 50, stream.height))
    stream = stream.with_columns(message_id=pl.Series(message).cast(pl.String))
    redelivered = stream.filter(pl.Series(rng.random(stream.height) < 0.002))
    stream = pl.concat([stream, redelivered]).sort("publish_time", maintain_order=True)
    return stream.select("message_id", pl.exclude("message_id"))


def test_the_booking_stream_rendered_a_chunk_at_a_time_is_the_sorted_frames() -> None:
    draw = np.random.default_rng(7)
    n = 5_000
    publish = 1_700_000_000 + draw.integers(0, 600, n)  # many messages share a second

    def frame(seconds: np.ndarray, first: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "publish_time": pl.Series(seconds * 1_000_000).cast(pl.Datetime("us")),
                "event_id": [f"EV{first + i:012d}" for i in range(seconds.size)],
            }
        )

    events = frame(publish, 0)
    tests = frame(publish[:3] + 1, n)
    retried = np.flatnonzero(draw.random(n) < 0.05)
    expected = _stream_by_sorting(events, retried, tests, np.random.default_rng(11))
    assert expected.height > n + retried.size + 3  # some messages were redelivered

    for chunk in (997, 1_000_000):
        rendered: list[int] = []

        def render(at: np.ndarray, rendered: list[int] = rendered) -> pl.DataFrame:
            rendered.append(at.size)
            return events[at]

        stream = _stream(
            np.random.default_rng(11),
            render,
            publish,
            retried=retried,
            test_events=tests,
            chunk=chunk,
        )
        parts = list(stream)
        assert len(parts) == -(-expected.height // chunk)
        assert pl.concat(parts).equals(expected)
        assert max(rendered) <= chunk  # the events are rendered a chunk at a time
        sent = expected.filter(~pl.col("event_id").is_in(tests["event_id"].implode()))
        assert sum(rendered) == sent.height  # each message of an event rendered once


def test_the_big_extracts_are_the_same_rows_in_the_same_order_whatever_the_chunk() -> None:
    """The sale lines (built a chunk at a time), the booking stream (gathered a chunk at
    a time) and the CRM extract (filtered a chunk at a time) do not depend on the size
    of the write chunks."""
    tables = ("sales.sale_lines", "bookings.booking_events", "customers.client_extract_crm")
    written = []
    for chunk_rows in (1_000_000, 997):
        connection = duckdb.connect()
        simulate(connection, get_scale("tiny").model_copy(update={"write_chunk_rows": chunk_rows}))
        written.append(
            {
                table: connection.sql(f"SELECT * FROM landing_{table} ORDER BY rowid").fetchall()
                for table in tables
            }
        )
    for table in tables:
        assert len(written[0][table]) > 997, table  # several chunks
        assert written[0][table] == written[1][table], table


def test_the_web_holds_its_sessions_fields_in_32_bits_only_when_they_fit() -> None:
    fits = np.array([-1, 0, 2**31 - 1], dtype=np.int64)
    narrowed = _narrowed(fits)
    assert narrowed.dtype == np.int32
    assert narrowed.astype(np.int64).tolist() == fits.tolist()
    for kept in (np.array([0, 2**31], dtype=np.int64), np.array([True, False])):
        assert _narrowed(kept) is kept
    assert _narrowed(np.zeros(0, dtype=np.int64)).dtype == np.int64


def test_text_of_few_values_is_held_as_categorical_and_written_as_text() -> None:
    rows = 64
    frame = pl.DataFrame(
        {
            "flag": [("N", "O", None)[i % 3] for i in range(rows)],
            "name": [f"name {i}" for i in range(rows)],
            "n": list(range(rows)),
        }
    )
    kept = held(frame)
    assert kept.schema == {"flag": pl.Categorical(), "name": pl.String, "n": pl.Int64}
    writer = LandingWriter(duckdb.connect(), chunk_rows=10)
    writer.write("customers", "held", kept, keep=np.arange(rows) % 5 != 0)
    types = writer.connection.sql("DESCRIBE landing_customers.held").fetchall()
    assert [(c[0], c[1]) for c in types] == [
        ("flag", "VARCHAR"),
        ("name", "VARCHAR"),
        ("n", "BIGINT"),
    ]
    assert _table(writer, "landing_customers.held") == [
        row for i, row in enumerate(frame.iter_rows()) if i % 5
    ]
    assert held(frame.head(10)).schema == frame.schema  # too few rows a value: as it was
