"""Rows of the DuckDB warehouse as the pandas frames Python products receive: whole
(:func:`read_frame`) or a batch at a time (:func:`read_batches`), each in DuckDB's own
conversion with the text columns' equal values sharing one Python string
(:func:`compact_frame`).

Example:
    >>> import duckdb
    >>> from mesh_platform.settings import get_settings
    >>> connection = duckdb.connect()
    >>> query = "SELECT range AS n, (range % 2)::VARCHAR AS parity FROM range(5) ORDER BY n"
    >>> [len(b) for b in read_batches(connection, query, get_settings(), rows=2)]
    [2, 2, 1]
    >>> import pandas as pd
    >>> whole = read_frame(connection, query, get_settings())
    >>> batches = read_batches(connection, query, get_settings(), rows=2)
    >>> pd.concat(batches, ignore_index=True).equals(whole)
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import duckdb

from mesh_platform.engines.heap import give_back_memory
from mesh_platform.settings import MeshSettings

if TYPE_CHECKING:  # pandas and Arrow are loaded only where frames are read
    import pandas as pd
    import pyarrow as pa


@contextmanager
def frame_buffers(connection: duckdb.DuckDBPyConnection, settings: MeshSettings) -> Iterator[None]:
    """DuckDB's buffers held to ``duckdb_frame_memory_limit`` while rows move between the
    warehouse and Python frames, then to the session's ``duckdb_memory_limit`` again.

    DuckDB and the frames share one process: a read's sorted result (a total order, a
    gigabyte for the seed world's campaign sends) no longer sits beside the Arrow rows
    and the frame they become; beyond the limit the sort spills to disk.
    """
    connection.execute("SET memory_limit = ?", [settings.duckdb_frame_memory_limit])
    try:
        yield
    finally:
        connection.execute("SET memory_limit = ?", [settings.duckdb_memory_limit])


def read_frame(
    connection: duckdb.DuckDBPyConnection, query: str, settings: MeshSettings
) -> pd.DataFrame:
    """The rows of ``query`` as a Python product receives them: a compact frame
    (:func:`compact_frame`) read under the frame buffers' limit (:func:`frame_buffers`),
    the memory the read freed given back to the system."""
    with frame_buffers(connection, settings):
        frame = compact_frame(connection, query)
    give_back_memory()
    return frame


def read_batches(
    connection: duckdb.DuckDBPyConnection, query: str, settings: MeshSettings, *, rows: int
) -> Iterator[pd.DataFrame]:
    """The rows of ``query`` in their order, as compact frames of at most ``rows`` rows
    each (the same columns, dtypes and values as :func:`read_frame`'s frame, cut in
    pieces), under the frame buffers' limit.

    Only one batch is held at a time: a function that codes each batch into compact
    arrays never holds the whole result as Arrow rows and a frame (for the large world's
    70 million campaign sends, some ten gigabytes). The query streams on a cursor of its
    own; the batches are converted on ``connection``.

    Raises:
        ValueError: ``rows`` below 1.
    """
    if rows < 1:
        raise ValueError(f"read_batches: a batch holds at least one row, not {rows}")
    import pyarrow as pa

    cursor = connection.cursor()
    try:
        with frame_buffers(connection, settings):
            relation = cursor.sql(query)
            if relation is None:  # a statement, not a query
                return
            if len(set(relation.columns)) < len(relation.columns):
                raise ValueError(f"read_batches: the query names a column twice: {query}")
            # DuckDB's reader hands out batches of its own size (some 120,000 rows): they
            # are gathered into batches of ``rows``, so a caller's work per batch (a
            # lookup in what it has seen so far) runs once a batch, not once a chunk
            reader = relation.to_arrow_reader(rows)
            pending: list[pa.RecordBatch] = []
            held = 0
            for chunk in reader:
                pending.append(chunk)
                held += chunk.num_rows
                while held >= rows:
                    gathered = pa.Table.from_batches(pending, schema=reader.schema)
                    pending = gathered.slice(rows).to_batches()
                    held -= rows
                    yield arrow_frame(connection, gathered.slice(0, rows))
                    del gathered
            if held:
                yield arrow_frame(connection, pa.Table.from_batches(pending, schema=reader.schema))
    finally:
        cursor.close()
        give_back_memory()


def compact_frame(connection: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """The rows of ``query`` as DuckDB converts them to pandas, with the text columns'
    equal values sharing one Python string.

    DuckDB's own conversion makes a new string object for every text value: a column of
    a few distinct values (a channel, a campaign setting) then costs some sixty bytes a
    row, and a Python product reading millions of sends mostly holds copies of the same
    words. The text columns are taken through Arrow instead (whose conversion makes one
    object per distinct value and points every row at it), the other columns through
    DuckDB's conversion of the same Arrow rows: the frame has the same columns, dtypes,
    values and row order as ``connection.execute(query).df()``.
    """
    import pandas as pd

    relation = connection.sql(query)
    if relation is None:  # a statement, not a query
        return pd.DataFrame()
    names = list(relation.columns)
    text = [str(kind) == "VARCHAR" for kind in relation.types]
    if not any(text) or len(set(names)) < len(names):
        return relation.df()
    return arrow_frame(connection, relation.to_arrow_table())


def arrow_frame(connection: duckdb.DuckDBPyConnection, rows: pa.Table) -> pd.DataFrame:
    """Arrow rows as :func:`compact_frame` converts them: text columns through Arrow (one
    string object per distinct value), the others through DuckDB's conversion; the Arrow
    rows passed are consumed (each column let go once converted)."""
    import pandas as pd

    count = rows.num_rows
    # one column at a time, the others through DuckDB's conversion each on its own: the
    # conversions' scratch is one column's, not all of them at once (the Arrow rows
    # themselves are let go with the last column, a batch's buffers together)
    columns: dict[str, pd.Series] = {}
    for name in list(rows.column_names):
        if _is_text(rows.schema.field(0).type):
            columns[name] = rows.column(0).to_pandas(deduplicate_objects=True)
        else:
            columns[name] = connection.from_arrow(rows.select([0])).df()[name]
        rows = rows.remove_column(0)
    # the columns as they are (a frame from a dict copies each one, then stacks the
    # columns of a dtype into one block: twice the frame again, for the seed world's
    # 7 million sends a gigabyte beside the rows at the read's peak)
    return pd.DataFrame(columns, index=pd.RangeIndex(count), copy=False)


def _is_text(kind: pa.DataType) -> bool:
    """Whether an Arrow column holds text (DuckDB's ``VARCHAR``)."""
    import pyarrow as pa

    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )
