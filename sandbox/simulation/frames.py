"""Vectorised building blocks turning numpy arrays into polars columns (labels, ids, dates).

Everything here works on whole columns: no Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from sandbox.simulation.timeline import DAY


def pick(labels: Sequence[str], idx: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """``labels[idx]`` as a string column; rows where ``null`` is true are null."""
    values = pl.Series(list(labels), dtype=pl.String)
    out = values.gather(np.asarray(idx, dtype=np.int64))
    return with_nulls(out, null)


def with_nulls(series: pl.Series, null: np.ndarray | None) -> pl.Series:
    """``series`` with nulls where ``null`` is true."""
    if null is None or not np.any(null):
        return series
    mask = pl.Series(np.asarray(null, dtype=bool))
    return pl.select(pl.when(mask).then(None).otherwise(series)).to_series().alias(series.name)


def numbered(
    prefix: str, numbers: np.ndarray, width: int, null: np.ndarray | None = None
) -> pl.Series:
    """Identifiers such as ``CU00012345``: a prefix and a zero-padded number."""
    padded = pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)
    series = pl.select(pl.lit(prefix) + padded).to_series() if prefix else padded
    return with_nulls(series, null)


def digits(rng: np.random.Generator, size: int, count: int) -> pl.Series:
    """Random digit strings of exactly ``count`` digits (leading zeros allowed)."""
    out = pl.Series(np.zeros(size, dtype=np.int64)).cast(pl.String).str.slice(0, 0)
    remaining = count
    while remaining > 0:
        step = min(remaining, 15)
        part = rng.integers(0, 10**step, size, dtype=np.int64)
        out = out + pl.Series(part).cast(pl.String).str.zfill(step)
        remaining -= step
    return out


def timestamps(seconds: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """UTC timestamps (naive, microseconds) from seconds since the epoch."""
    series = pl.Series(np.asarray(seconds, dtype=np.int64) * 1_000_000).cast(pl.Datetime("us"))
    return with_nulls(series, null)


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """Calendar dates from days since the epoch."""
    series = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    return with_nulls(series, null)


def day_of(seconds: np.ndarray) -> np.ndarray:
    """Epoch day of a timestamp in seconds."""
    return np.floor_divide(np.asarray(seconds, dtype=np.int64), DAY)


def concat(*parts: pl.Series | str) -> pl.Series:
    """Element-wise concatenation of string columns and literals."""
    return pl.select(pl.concat_str([pl.lit(p) for p in parts])).to_series()


def where(mask: np.ndarray, yes: pl.Series | str, no: pl.Series | str) -> pl.Series:
    """``yes`` where ``mask`` is true, else ``no`` (columns or literals)."""
    m = pl.Series(np.asarray(mask, dtype=bool))
    return pl.select(pl.when(m).then(pl.lit(yes)).otherwise(pl.lit(no))).to_series()


def select_by(index: np.ndarray, choices: Sequence[pl.Expr | pl.Series]) -> pl.Series:
    """Row by row, the choice numbered by ``index`` (0 .. len(choices) - 1)."""
    chain: Any = pl.when(pl.Series(index == 0)).then(choices[0])
    for k in range(1, len(choices)):
        chain = chain.when(pl.Series(index == k)).then(choices[k])
    return pl.select(chain.otherwise(choices[0])).to_series()


def frame(columns: dict[str, pl.Series | np.ndarray]) -> pl.DataFrame:
    """A DataFrame from named columns (numpy arrays or polars series), in that order."""
    return pl.DataFrame(
        [
            (col.alias(name) if isinstance(col, pl.Series) else pl.Series(name, col))
            for name, col in columns.items()
        ]
    )


FEW_VALUES = 16
"""Rows per distinct value at which :func:`held` keeps a text column as a categorical."""
FEW_VALUES_SAMPLE = 10_000
"""The first rows :func:`held` counts a column's distinct values on."""


def held(columns: pl.DataFrame) -> pl.DataFrame:
    """``columns`` as a frame held across steps keeps them: each text column with few
    distinct values (one in :data:`FEW_VALUES` rows at most among its first rows: codes,
    flags, labels) as a categorical, 4 bytes a value instead of a 16-byte view (at
    ``large``, the CRM view held half a gigabyte of views of "N" and "O"). The values are
    the same; :class:`~sandbox.simulation.writer.LandingWriter` writes them as text."""
    sample = columns.head(FEW_VALUES_SAMPLE)
    few = [
        column.name
        for column in sample.get_columns()
        if column.dtype == pl.String and column.n_unique() * FEW_VALUES <= sample.height
    ]
    return columns.with_columns(pl.col(few).cast(pl.Categorical)) if few else columns
